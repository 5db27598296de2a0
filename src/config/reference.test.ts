import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { POLICY_FACTORIES } from '../policies/index.ts';
import { CONFIG_SCHEMA } from './load.ts';
import { renderReference } from './reference.ts';

test('docs/configuration.md is generated from the current schema (run `npm run docs`)', () => {
  const onDisk = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(onDisk, renderReference(CONFIG_SCHEMA, POLICY_FACTORIES));
});
