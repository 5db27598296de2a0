import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResponseHead } from './policy.ts';
import { exactReplacement, NOT_JSON, ResponseBody } from './response-body.ts';

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

test('a rewrite made on the exact digits is sent with them, and read by the next policies as plain numbers', () => {
  const body = new ResponseBody(headOf('application/json'), Buffer.from('{"items":[{"id":9007199254740993,"internal":"x"},{"id":9007199254740992}]}'));
  assert.equal(body.mayHoldInexactNumbers, true);
  assert.equal(new ResponseBody(headOf('application/json'), Buffer.from('{"id":123456789012345}')).mayHoldInexactNumbers, false);
  const exact = body.exactJson() as { items: { id: unknown }[] };
  body.apply(exactReplacement({ items: exact.items.map((item) => ({ id: item.id })) }));
  assert.equal(body.text(), '{"items":[{"id":9007199254740993},{"id":9007199254740992}]}');
  assert.deepEqual(body.json(), { items: [{ id: 9007199254740992 }, { id: 9007199254740992 }] });
});

test('a UTF-8 byte-order mark is dropped from every reading of the body: JSON, exact digits, text', () => {
  const body = new ResponseBody(headOf('application/json'), Buffer.from('\uFEFF{"id":9007199254740993,"secret":"h"}'));
  assert.deepEqual(body.json(), { id: 9007199254740992, secret: 'h' });
  assert.equal(body.mayHoldInexactNumbers, true);
  assert.equal(JSON.stringify(body.exactJson()), '{"id":9007199254740993,"secret":"h"}');
  assert.equal(body.text().charCodeAt(0), 0x7b);
  assert.equal(new ResponseBody(headOf('application/json'), Buffer.from('{"card":"4111111111111111"}')).mayHoldInexactNumbers, false, 'digits in a string');
});
