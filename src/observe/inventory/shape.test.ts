// Body structure inference: types, required, formats, integers vs numbers, merged array items, data
// keys kept out of property names, bounds, merge = sum of parts, and no value ever in the schema.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { merge, reviveShape, shapeOf, toJsonSchema, type Shape } from './shape.ts';

const infer = (...values: unknown[]): Shape => values.map(shapeOf).reduce((a, b) => merge(a, b));

test('required = present in every sample; formats only when every string matches', () => {
  const schema = toJsonSchema(
    infer(
      { id: '5f0c2a7e-1d2b-4c3d-8e9f-0a1b2c3d4e5f', email: 'alice@example.com', at: '2026-01-31T12:00:00Z', age: 31, score: 1.5, tags: ['a'], nick: 'al' },
      { id: '0b1c2a7e-1d2b-4c3d-8e9f-0a1b2c3d4e5f', email: 'bob@example.com', at: '2026-02-01T08:30:00.120+01:00', age: 40, score: 2, tags: [], note: null },
      { id: '1b1c2a7e-1d2b-4c3d-8e9f-0a1b2c3d4e5f', email: 'not an email', at: '2026-02-01T08:30:00Z', age: 22, score: 3, tags: ['b', 'c'] },
    ),
  );
  assert.deepEqual(schema, {
    type: 'object',
    properties: {
      age: { type: 'integer' },
      at: { type: 'string', format: 'date-time' },
      email: { type: 'string' },
      id: { type: 'string', format: 'uuid' },
      nick: { type: 'string' },
      note: { type: 'null' },
      score: { type: 'number' },
      tags: { type: 'array', items: { type: 'string' } },
    },
    required: ['age', 'at', 'email', 'id', 'score', 'tags'],
  });
});

test('arrays of objects merge their items; mixed types become a type list', () => {
  const schema = toJsonSchema(infer([{ a: 1, b: 'x' }, { a: 2 }], [{ a: null }]));
  assert.deepEqual(schema, {
    type: 'array',
    items: { type: 'object', properties: { a: { type: ['integer', 'null'] }, b: { type: 'string' } }, required: ['a'] },
  });
  assert.deepEqual(toJsonSchema(infer('x', 1, true)), { type: ['string', 'integer', 'boolean'] });
});

test('keys that look like data are never property names: they become additionalProperties', () => {
  const schema = toJsonSchema(infer({ byUser: { 'alice@example.com': { n: 1 }, '42': { n: 2 }, '5f0c2a7e-1d2b-4c3d-8e9f-0a1b2c3d4e5f': { n: 3 } } }));
  assert.deepEqual(schema, {
    type: 'object',
    properties: { byUser: { type: 'object', additionalProperties: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } } },
    required: ['byUser'],
  });
  assert.doesNotMatch(JSON.stringify(schema), /alice|5f0c|"42"/);
});

test('no value reaches the schema', () => {
  const secret = 'Tr0ub4dor&3-secret-value';
  const text = JSON.stringify(toJsonSchema(infer({ password: secret, pin: 987654321, nested: [{ token: secret }] })));
  assert.doesNotMatch(text, /Tr0ub4dor|987654321/);
});

test('bounded: depth, properties and nodes', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 50; i++) deep = { next: deep };
  const wide = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`field_${String.fromCharCode(97 + (i % 26))}${'x'.repeat(i % 7)}${String.fromCharCode(97 + ((i / 26) | 0))}`, i]));
  for (const value of [deep, wide, Array.from({ length: 10_000 }, (_, i) => ({ [`k${'a'.repeat(i % 30)}`]: [i] }))]) {
    const text = JSON.stringify(shapeOf(value));
    assert.ok(text.length < 60_000, `${text.length}`);
  }
  assert.equal(Object.keys(shapeOf(wide).props!).length, 64);
  assert.equal(shapeOf(wide).cut, true);
});

test('merge adds counts and changes neither side; revive keeps only what is well formed', () => {
  const a = shapeOf({ x: 1 });
  const b = shapeOf({ y: 'z' });
  const m = merge(a, b);
  assert.deepEqual(JSON.parse(JSON.stringify(a)), { n: 1, object: 1, props: { x: { n: 1, integer: 1 } } });
  assert.equal(m.n, 2);
  assert.deepEqual(toJsonSchema(m), { type: 'object', properties: { x: { type: 'integer' }, y: { type: 'string' } } });
  assert.deepEqual(JSON.parse(JSON.stringify(reviveShape(JSON.parse(JSON.stringify(m))))), JSON.parse(JSON.stringify(m)));
  assert.equal(reviveShape({ n: -1 }), undefined);
  const evil = reviveShape(JSON.parse('{"n":1,"object":1,"props":{"__proto__":{"n":1,"string":1},"ok":{"n":"x"},"fine":{"n":1,"string":1,"formats":{"evil":1,"uuid":1}}}}'))!;
  assert.deepEqual(Object.keys(evil.props!), ['fine']);
  assert.deepEqual(evil.props!.fine!.formats, { uuid: 1 });
});
