import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CHECK_INFOS } from './checks/index.ts';
import { SHADOW_PATHS } from './checks/api9-inventory.ts';

const page = readFileSync(new URL('../../docs/scan.md', import.meta.url), 'utf8');

test('docs/scan.md describes every check with its category, severity and CWE', () => {
  const rows = new Map([...page.matchAll(/^\| `([a-z-]+)` \| (API\d+:2023) \| (\w+)[^|]* \| (\d+) \|/gm)].map((m) => [m[1], { category: m[2], severity: m[3], cwe: Number(m[4]) }]));
  for (const info of CHECK_INFOS) assert.deepEqual(rows.get(info.id), { category: info.category, severity: info.severity, cwe: info.cwe }, info.id);
  assert.equal(rows.size, CHECK_INFOS.length, 'a documented check that does not exist');
  assert.match(page, new RegExp(`A fixed list of ${SHADOW_PATHS.length} usual undocumented paths`));
});

test('docs/scan.md and the README: the demo examples work as written, "Not tried yet" names no check', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Scanning a running API'), readme.indexOf('\n## ', readme.indexOf('## Scanning a running API') + 1));
  for (const [name, text] of [['docs/scan.md', page], ['README.md', section]] as const) {
    // The demo always prints both URLs; --unprotected only exposes the bare API on all interfaces.
    assert.doesNotMatch(text, /--unprotected prints/, name);
    // The bare API's port is random unless fixed: an example on :3000 says how it gets there.
    if (/--target http:\/\/127\.0\.0\.1:3000/.test(text)) assert.match(text, /portcullis demo --api-port 3000/, name);
  }
  const notTried = /Not tried yet:([^]*?)\n\n/.exec(page)?.[1] ?? '';
  assert.ok(notTried.length > 0);
  for (const tried of [/command injection/i, /time-based/i, /method swaps/i, /plain HTTP/i]) assert.doesNotMatch(notTried, tried, 'a check tries it');
});
