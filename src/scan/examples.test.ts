import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bodyFor, exampleFor, freeText, parameterExample } from './examples.ts';

describe('values from schemas', () => {
  test('examples, enums, formats and bounds', () => {
    assert.equal(exampleFor({ type: 'integer', minimum: 5 }), 5);
    assert.equal(exampleFor({ type: 'string', enum: ['a', 'b'] }), 'a');
    assert.equal(exampleFor({ type: 'string', format: 'email' }), 'scan@example.com');
    assert.equal(exampleFor({ type: ['string', 'null'], example: 'x' }), 'x');
    assert.equal(exampleFor({ type: 'string', minLength: 6, maxLength: 8 }), 'xxxxxx');
    assert.deepEqual(exampleFor({ type: 'array', items: { type: 'boolean' } }), [true]);
  });

  test('objects: required writable properties, readOnly ones left out', () => {
    const schema = { type: 'object', required: ['name', 'id'], properties: { id: { type: 'integer', readOnly: true }, name: { type: 'string' }, note: { type: 'string' } } };
    assert.deepEqual(exampleFor(schema), { name: 'xxxx' });
    assert.deepEqual(exampleFor({ allOf: [{ type: 'object', properties: { a: { type: 'integer' } } }, { type: 'object', properties: { b: { const: 2 } } }] }), { a: 1, b: 2 });
  });

  test('markers go into free-text strings only, within maxLength', () => {
    let n = 0;
    const marker = () => `pcs-test-${++n}`;
    const schema = { type: 'object', properties: { title: { type: 'string', maxLength: 7 }, kind: { type: 'string', enum: ['a'] }, site: { type: 'string', format: 'uri' } } };
    assert.deepEqual(bodyFor(schema, { title: 'Hello', kind: 'a', site: 'https://x.example' }, marker), { title: '-test-1', kind: 'a', site: 'https://x.example' });
    assert.equal(freeText({ type: 'string', pattern: '^a' }), false);
  });

  test('parameter examples', () => {
    assert.equal(parameterExample({ name: 'limit', example: 20, schema: { type: 'integer' } }), 20);
    assert.equal(parameterExample({ name: 'q', examples: { one: { value: 'lamp' } } }), 'lamp');
    assert.equal(parameterExample({ name: 'id', schema: { type: 'integer', minimum: 1 } }), 1);
  });
});
