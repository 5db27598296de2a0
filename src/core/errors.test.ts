import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERRORS, problemType } from './errors.ts';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

test('every error code is documented in docs/errors.md with its status', () => {
  for (const [code, def] of Object.entries(ERRORS)) {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
    assert.ok(row, `${code} is missing from docs/errors.md`);
    assert.match(row, new RegExp(`\\| ${def.status} \\|`), `${code} has the wrong status in docs/errors.md`);
  }
});

test('docs/errors.md documents no code that does not exist', () => {
  for (const [, code] of doc.matchAll(/^\| `(PCL_ERR_[A-Z_]+)` \|/gm)) assert.ok(code! in ERRORS, `${code} is documented but not defined`);
});

test('problem types are stable URNs', () => {
  assert.equal(problemType('PCL_ERR_ROUTE_NOT_FOUND'), 'urn:portcullis:problem:route-not-found');
});
