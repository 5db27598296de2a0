// Property names are the document's and the API's: one named like a member of every object
// (constructor, valueOf, toString) is a property like any other, never an inherited function.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScanOperation } from '../operations.ts';
import { forbiddenProperties } from './api3-properties.ts';

test('a read-only property named constructor or valueOf is one the caller must not write', () => {
  const op = { requestSchema: { properties: { name: { type: 'string' } } } } as unknown as ScanOperation;
  const answer = { properties: { name: { type: 'string' }, constructor: { type: 'string', readOnly: true }, valueOf: { type: 'integer', readOnly: true } } };
  assert.deepEqual(forbiddenProperties(op, answer).map(([n]) => n), ['constructor', 'valueOf']);
  const writable = { requestSchema: { properties: { constructor: { type: 'string' } } } } as unknown as ScanOperation;
  assert.deepEqual(forbiddenProperties(writable, answer).map(([n]) => n), ['valueOf'], 'writable in the request: not reported');
});
