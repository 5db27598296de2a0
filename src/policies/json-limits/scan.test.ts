import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exceededLimit } from './scan.ts';

const limits = { maxDepth: 3, maxKeys: 4, maxStringLength: 5, maxArrayLength: 3 };
const check = (text: string) => exceededLimit(Buffer.from(text), limits);

test('documents within the limits pass', () => {
  for (const ok of ['{}', '[]', '{"a":[1,2,3],"b":{"c":"héllo"}}', '[[[]]]', '"abcde"', '[{"k":"a,b:c"}, "x"]', '{"e":"\\"\\\\\\u0041"}']) {
    assert.equal(check(ok), undefined, ok);
  }
});

test('each limit, at the first byte past it', () => {
  assert.equal(check('[[[[1]]]]'), 'nesting is deeper than 3');
  assert.equal(check('{"a":1,"b":2,"c":3,"d":4,"e":5}'), 'objects have more than 4 members in all');
  assert.equal(check('{"a":{"b":{"c":1}},"d":{"e":1}}'), 'objects have more than 4 members in all');
  assert.equal(check('["abcdef"]'), 'a string is longer than 5 characters');
  assert.equal(check('{"abcdef":1}'), 'a string is longer than 5 characters', 'keys too');
  assert.equal(check('[1,2,3,4]'), 'an array has more than 3 items');
  assert.equal(check('[[1,2,3],[4,5,6],[7,8,9]]'), undefined, 'arrays are counted one by one');
});

test('characters, not bytes; escapes are one character; separators inside strings are text', () => {
  assert.equal(check('"ééééé"'), undefined);
  assert.equal(check('"\\u00e9\\n\\t\\"x"'), undefined);
  assert.equal(check('"[[[[,,,,::::"'), 'a string is longer than 5 characters');
  assert.equal(exceededLimit(Buffer.from('"[[[[,,,,::::"'), { ...limits, maxStringLength: 100 }), undefined);
});

test('a huge hostile document is refused in linear time', () => {
  const deep = Buffer.from('['.repeat(5_000_000));
  const started = performance.now();
  assert.equal(exceededLimit(deep, { ...limits, maxDepth: 1000 }), 'nesting is deeper than 1000');
  const wide = Buffer.from(`[${'1,'.repeat(2_000_000)}1]`);
  assert.equal(exceededLimit(wide, { ...limits, maxArrayLength: 10_000_000 }), undefined);
  assert.ok(performance.now() - started < 2000);
});
