// JSON request bodies read as their parsers decode them: Express by the charset (a BOM dropped),
// Python by the first bytes; a body the two would read differently has no one text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonReadings, jsonText, readRequestJson, unsupportedJsonCharset, wideEncoding } from './json-text.ts';

const JSON_TYPE = 'application/json';
const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16();

test('UTF-8, with or without a byte-order mark', () => {
  assert.equal(jsonText(Buffer.from('{"a":"é"}'), JSON_TYPE), '{"a":"é"}');
  assert.equal(jsonText(Buffer.from('\ufeff{"a":1}'), JSON_TYPE), '{"a":1}');
  assert.equal(jsonText(Buffer.alloc(0), 'application/json; charset=utf-16'), '');
});

test('UTF-16 by its charset, its byte-order mark or its zero bytes (Python\'s detection)', () => {
  const le = Buffer.from('{"a":1}', 'utf16le');
  assert.equal(jsonText(le, 'application/json; charset=utf-16le'), '{"a":1}');
  assert.equal(jsonText(le, 'application/json; charset="UTF-16"'), '{"a":1}');
  assert.equal(jsonText(le, JSON_TYPE), '{"a":1}', 'no label: read from the bytes');
  assert.equal(jsonText(utf16be('{"a":1}'), JSON_TYPE), '{"a":1}');
  assert.equal(jsonText(Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be('{"a":1}')]), 'application/json; charset=utf-16'), '{"a":1}');
  assert.equal(jsonText(Buffer.concat([Buffer.from([0xff, 0xfe]), le]), JSON_TYPE), '{"a":1}');
});

test('no one text: UTF-32, a UTF-8 body labelled UTF-16, a byte order its label contradicts', () => {
  assert.equal(jsonText(Buffer.from([0xff, 0xfe, 0, 0, 0x7b, 0, 0, 0, 0x7d, 0, 0, 0]), JSON_TYPE), undefined);
  assert.equal(jsonText(Buffer.from([0x7b, 0, 0, 0, 0x7d, 0, 0, 0]), JSON_TYPE), undefined);
  assert.equal(jsonText(Buffer.from('{"a":1}'), 'application/json; charset=utf-16'), undefined);
  assert.equal(jsonText(Buffer.from('{"a":1}', 'utf16le'), 'application/json; charset=utf-16be'), undefined);
});

test('a checked body: parsed once decoded; refused when it does not parse or repeats a key', () => {
  assert.deepEqual(readRequestJson(Buffer.from('{"a":[1,{"b":2}]}'), JSON_TYPE), { value: { a: [1, { b: 2 }] }, text: '{"a":[1,{"b":2}]}', plainUtf8: true });
  assert.equal((readRequestJson(Buffer.from('\ufeff{"a":1}'), JSON_TYPE) as { plainUtf8: boolean }).plainUtf8, false);
  assert.deepEqual(readRequestJson(Buffer.from('{"a":NaN}'), JSON_TYPE), { problem: 'is not valid JSON' });
  assert.match((readRequestJson(Buffer.from('{"a":1,"b":{"c":1,"c":2}}'), JSON_TYPE) as { problem: string }).problem, /repeats a key/);
  assert.deepEqual(readRequestJson(Buffer.from('{"a":"x:y","b":"\\":"}'), JSON_TYPE), { value: { a: 'x:y', b: '":' }, text: '{"a":"x:y","b":"\\":"}', plainUtf8: true }, 'colons in strings are not keys');
  assert.match((readRequestJson(Buffer.from('{"a":1}'), 'application/json; charset=utf-16') as { problem: string }).problem, /encoding/);
});

test('field lookups read every text a parser could: decoded, and the bytes as UTF-8 (PHP)', () => {
  assert.deepEqual(jsonReadings(Buffer.from('{"a":1}'), JSON_TYPE), ['{"a":1}']);
  assert.deepEqual(jsonReadings(Buffer.from('\ufeff{"a":1}'), JSON_TYPE), ['{"a":1}', '\ufeff{"a":1}']);
  assert.deepEqual(jsonReadings(Buffer.from('{"a":1}'), 'application/json; charset=utf-16'), ['{"a":1}']);
});

test('a JSON type naming a charset other than UTF-8 or UTF-16, or several, is refused (Express decodes UTF-7)', () => {
  for (const type of ['application/json; charset=utf-7', 'application/json;charset="UTF-7-IMAP"', 'application/json; charset=ibm037', 'text/plain; x=/json; charset=iso-8859-1', 'application/json; charset=utf-8; charset=utf-7', 'application/json; charset=utf-32', 'application/json; charset=']) {
    assert.equal(unsupportedJsonCharset(type), true, type);
  }
  // WHATWG's other UTF-16 labels: Express refuses them, Java reads `unicode` big-endian without a BOM.
  for (const label of ['unicode', 'UCS-2', 'csunicode', 'iso-10646-ucs-2', 'unicodefeff', 'unicodeFFFE', 'utf_16']) {
    const type = `application/json; charset=${label}`;
    assert.equal(unsupportedJsonCharset(type), true, type);
  }
  for (const type of ['application/json', 'application/json; charset=utf-8', 'application/json;charset="UTF-8"', 'application/json; charset=utf8', 'application/json; charset=utf-16le', 'application/vnd.api+json; charset=UTF-16', 'text/plain; charset=utf-7', 'application/x-www-form-urlencoded; charset=iso-8859-1']) {
    assert.equal(unsupportedJsonCharset(type), false, type);
  }
});

test('UTF-16 by any label decoders know: WHATWG\'s little-endian ones read by their BOM like utf-16, unicodefffe big-endian', () => {
  const le = Buffer.from('ab', 'utf16le');
  const be = Buffer.from('ab', 'utf16le').swap16();
  for (const label of ['unicode', '"UCS-2"', 'csunicode', 'iso-10646-ucs-2', 'unicodeFEFF', 'ucs2', 'utf16', 'utf-16']) {
    assert.equal(wideEncoding(le, `text/plain; charset=${label}`, false), 'utf-16le', label);
    assert.equal(wideEncoding(Buffer.concat([Buffer.from([0xfe, 0xff]), be]), `text/plain; charset=${label}`, false), 'utf-16be', `${label} with a big-endian BOM`);
  }
  assert.equal(wideEncoding(be, 'text/plain; charset=unicodefffe', false), 'utf-16be');
  assert.equal(wideEncoding(le, 'text/plain; charset=utf-16-le', false), 'utf-16le');
  assert.equal(wideEncoding(le, 'text/plain; charset=utf-8; charset=unicode', false), 'utf-16le', 'any label of several');
  for (const label of ['unicode-1-1-utf-8', 'unicode11utf8', 'utf-8', 'ucs-4x']) assert.equal(wideEncoding(le, `text/plain; charset=${label}`, false), undefined, label);
  // A request body of a type that is not refused as JSON is read by such a label too.
  assert.equal(jsonText(Buffer.from('{"a":1}', 'utf16le'), 'text/x-json; charset=unicode'), '{"a":1}');
  assert.equal(jsonText(Buffer.from('{"a":1}'), 'text/x-json; charset=unicode'), undefined);
});
