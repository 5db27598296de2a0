// docs/rate-limits.md documents every option of a limit and of the store (configuration.md lists
// only the policy's top-level keys).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { rateLimitSchema } from './schema.ts';

const doc = readFileSync(new URL('../../../docs/rate-limits.md', import.meta.url), 'utf8');
const rows = new Set([...doc.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!));

test('every option of the rate-limit policies is in docs/rate-limits.md', () => {
  const p = rateLimitSchema.properties;
  for (const key of Object.keys(p)) if (key !== 'store') assert.ok(rows.has(key), `policy option ${key}`);
  for (const key of Object.keys(p.limits.items.properties)) assert.ok(rows.has(key), `limit option ${key}`);
  for (const key of Object.keys(p.store.properties)) assert.ok(rows.has(`store.${key}`), `store option ${key}`);
});
