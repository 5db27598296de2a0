import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResponseHead } from './policy.ts';
import { NOT_JSON, ResponseBody } from './response-body.ts';

const headOf = (type?: string): ResponseHead => ({ statusCode: 200, headers: type === undefined ? {} : { 'content-type': type } });

test('parses once and hands every reader the same value', () => {
  const body = new ResponseBody(headOf('application/json; charset=utf-8'), Buffer.from('{"a":[1,2]}'));
  assert.equal(body.mediaType, 'application/json');
  assert.equal(body.isJsonType, true);
  const first = body.json();
  assert.deepEqual(first, { a: [1, 2] });
  assert.equal(body.json(), first);
});

test('a JSON replacement is serialized once, when the bytes are asked for', () => {
  const original = Buffer.from('{"a":1,"secret":2}');
  const body = new ResponseBody(headOf('application/vnd.api+json'), original);
  assert.equal(body.isJsonType, true);
  const replacement = { a: 1 };
  body.apply({ json: replacement });
  assert.equal(body.json(), replacement);
  const bytes = body.bytes();
  assert.equal(bytes.toString(), '{"a":1}');
  assert.equal(body.bytes(), bytes);
  assert.equal(body.length, 7);
});

test('replacement bytes drop what was parsed from the old ones, and the media type follows the head', () => {
  const head = headOf('application/json');
  const body = new ResponseBody(head, Buffer.from('{"a":1}'));
  body.json();
  head.headers['content-type'] = 'text/plain';
  body.apply(Buffer.from('not json'));
  assert.equal(body.mediaType, 'text/plain');
  assert.equal(body.isJsonType, false);
  assert.equal(body.json(), NOT_JSON);
  assert.equal(body.text(), 'not json');
});

test('no content type and invalid JSON', () => {
  const body = new ResponseBody(headOf(), Buffer.from('{"a":'));
  assert.equal(body.mediaType, '');
  assert.equal(body.json(), NOT_JSON);
  assert.equal(body.bytes().toString(), '{"a":');
});

test('a rewritten body keeps the exact digits of integers beyond 2^53', () => {
  const body = new ResponseBody(headOf('application/json'), Buffer.from('{"items":[{"id":9007199254740993,"internal":"x"},{"id":-12345678901234567891,"n":1.5}]}'));
  const value = body.json() as { items: { id: number }[] };
  body.apply({ json: { items: value.items.map((item) => ({ id: item.id })) } });
  assert.equal(body.text(), '{"items":[{"id":9007199254740993},{"id":-12345678901234567891}]}');
});

test('two integers beyond 2^53 that read alike cannot be written back: the rewrite is refused, not guessed', () => {
  const body = new ResponseBody(headOf('application/json'), Buffer.from('[9007199254740993,9007199254740992,"x"]'));
  const value = body.json() as unknown[];
  body.apply({ json: value.slice(0, 2) });
  assert.throws(() => body.text(), { code: 'PCL_ERR_RESPONSE_UNINSPECTABLE' });
});
