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
