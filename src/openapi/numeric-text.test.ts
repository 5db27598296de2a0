// The coercing compiler reads text as a number only when it is spelt canonically, and still coerces
// what passes; the non-coercing one (JSON bodies) is untouched.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LoadedSpec } from './load.ts';
import { createSchemaCompiler } from './schema-compiler.ts';

const specOf = (version: '3.0' | '3.1', schemas: Record<string, unknown>) => ({ version, bundled: { openapi: `${version}.0`, components: { schemas } } }) as unknown as LoadedSpec;

const schemas = {
  Int: { type: 'integer', minimum: -100, maximum: 100 },
  Num: { type: 'number' },
  NullableInt: { type: 'integer', nullable: true },
  IntOrWord: { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^[a-z0-9]+$' }] },
  Either: { type: ['integer', 'string'] },
  Ids: { type: 'array', items: { $ref: '#/components/schemas/Int' }, uniqueItems: true },
  Range: { type: 'object', properties: { min: { type: 'integer' }, max: { type: 'number', maximum: 10 } } },
  Labels: { type: 'string', enum: ['1e3', 'x'] },
  Codes: { type: 'integer', enum: [1, 2] },
  BigMax: { type: 'integer', maximum: 9007199254740992 },
  Snowflake: { type: 'integer', format: 'int64' },
};

for (const version of ['3.0', '3.1'] as const) {
  describe(`numeric text (OpenAPI ${version})`, () => {
    const compiler = createSchemaCompiler(specOf(version, schemas), { coerceTypes: true });

    test('integers beyond 2^53 are refused where a bound decides (they would be compared rounded), kept as ids otherwise', () => {
      const big = compiler.compile('/components/schemas/BigMax');
      assert.equal(big('9007199254740993'), false, 'rounds to the maximum');
      assert.equal(big('9007199254740991'), true);
      assert.equal(compiler.compile('/components/schemas/Snowflake')('1234567890123456789'), true, 'a 64-bit id without bounds');
    });

    test('integers: canonical decimal digits only', () => {
      const int = compiler.compile('/components/schemas/Int');
      for (const ok of ['0', '7', '-7', '100', '-100']) assert.equal(int(ok), true, ok);
      for (const bad of ['1e1', '0x1', '0b1', '0o1', '010', '-0', '+7', ' 7', '7 ', '7.0', '1000e-1', '\t7', '\n7', '0x3e9']) {
        assert.equal(int(bad), false, bad);
        assert.deepEqual(int.errors!.map((e) => e.message), ['must be integer'], bad);
      }
      assert.equal(int('abc'), false);
      assert.deepEqual(int.errors!.map((e) => e.message), ['must be integer'], 'one error, as before');
      assert.equal(int('1.5'), false);
      assert.equal(int(''), false);
      assert.equal(int(' '), false, 'a blank is not 0');
      assert.equal(compiler.compile('/components/schemas/Num')(`1${'0'.repeat(400)}`), false, 'digits Number() reads as Infinity');
      assert.equal(int(['1e1']), false, 'a one-item array is read as its item');
      assert.equal(int(['7']), true);
      assert.equal(int(7), true, 'numbers are not text');
      assert.equal(int('101'), false, 'other keywords still apply to the coerced value');
    });

    test('numbers: the JSON number grammar', () => {
      const num = compiler.compile('/components/schemas/Num');
      for (const ok of ['0', '1.5', '-0.25', '1e3', '1E+3', '2.5e-3', '-0']) assert.equal(num(ok), true, ok);
      for (const bad of ['+1.5', '.5', '5.', '01.5', '0x10', ' 1', '1 ', 'Infinity', '-Infinity', '1e400', '1_000', '1,5']) {
        assert.equal(num(bad), false, bad);
      }
    });

    test('coerced values reach the parent, items and members are checked one by one', () => {
      const range = compiler.compile('/components/schemas/Range');
      const value: Record<string, unknown> = { min: '-3', max: '2.5' };
      assert.equal(range(value), true);
      assert.deepEqual(value, { min: -3, max: 2.5 });
      assert.equal(range({ min: '0x1' }), false);
      assert.equal(range.errors![0]!.instancePath, '/min');
      assert.equal(range({ max: '1e2' }), false, 'a canonical number is still checked against maximum');
      const ids = compiler.compile('/components/schemas/Ids');
      const list = ['1', '-2', '3'];
      assert.equal(ids(list), true);
      assert.deepEqual(list, [1, -2, 3]);
      assert.equal(ids(['1', '2e0']), false);
      assert.equal(ids.errors![0]!.instancePath, '/1');
      assert.equal(ids(['1', '1']), false, 'uniqueItems sees the coerced items');
    });

    test('types that take strings, null, enums', () => {
      const either = compiler.compile('/components/schemas/Either');
      assert.equal(either('1e3'), true, 'a string is a string');
      const word = compiler.compile('/components/schemas/IntOrWord');
      assert.equal(word('1e3'), true, 'another branch may take it as a string');
      assert.equal(word('1.0'), false, 'neither a canonical integer nor a word');
      assert.equal(compiler.compile('/components/schemas/Labels')('1e3'), true);
      const codes = compiler.compile('/components/schemas/Codes');
      assert.equal(codes('1'), true);
      assert.equal(codes('1.0'), false);
      if (version === '3.0') {
        const nullable = compiler.compile('/components/schemas/NullableInt');
        assert.equal(nullable(''), true, 'nullable: empty text is null, as before');
        assert.equal(nullable('1e1'), false);
        assert.deepEqual(nullable.errors!.map((e) => e.message), ['must be integer,null']);
      }
    });

    test('JSON bodies (no coercion) and the loaded document are untouched', () => {
      const spec = specOf(version, schemas);
      const bodies = createSchemaCompiler(spec, { coerceTypes: false });
      assert.equal(bodies.compile('/components/schemas/Int')('7'), false);
      assert.equal(bodies.compile('/components/schemas/Int')(7), true);
      createSchemaCompiler(spec, { coerceTypes: true });
      assert.equal((spec.bundled.components.schemas.Int as { type: string }).type, 'integer');
    });
  });
}
