import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundaryOf, parseMultipart } from './multipart.ts';

const limits = { maxParts: 10 };
const body = (text: string) => Buffer.from(text.replaceAll('\n', '\r\n'));

test('boundary parameter, quoted or not, 1 to 70 characters', () => {
  assert.equal(boundaryOf('multipart/form-data; boundary=abc'), 'abc');
  assert.equal(boundaryOf('multipart/form-data; charset=utf-8; boundary="a b;c"'), 'a b;c');
  assert.equal(boundaryOf('multipart/form-data'), undefined);
  assert.equal(boundaryOf('multipart/form-data; boundary='), undefined);
  assert.equal(boundaryOf(`multipart/form-data; boundary=${'x'.repeat(71)}`), undefined);
});

test('fields and files, bytes kept as sent, preamble and epilogue ignored', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff]);
  const raw = Buffer.concat([
    body('preamble\n--XX\nContent-Disposition: form-data; name="title"\n\nHello, wörld\n--XX\nContent-Disposition: form-data; name="photo"; filename="a \\"b\\".png"\nContent-Type: image/PNG\n\n'),
    png,
    body('\n--XX--\nepilogue'),
  ]);
  const parts = parseMultipart(raw, 'XX', limits);
  assert.ok(Array.isArray(parts));
  assert.equal(parts.length, 2);
  assert.deepEqual({ ...parts[0]!, data: parts[0]!.data.toString('utf8') }, { name: 'title', filename: undefined, contentType: '', data: 'Hello, wörld' });
  assert.equal(parts[1]!.filename, 'a "b".png');
  assert.equal(parts[1]!.contentType, 'image/png');
  assert.deepEqual(parts[1]!.data, png);
});

test('what does not follow the grammar is refused, never guessed', () => {
  const cases: [string, RegExp][] = [
    ['no boundary here', /opening boundary/],
    ['--XX\nContent-Disposition: form-data; name="a"\n\nvalue', /not closed/],
    ['--XX\nContent-Type: text/plain\n\nvalue\n--XX--', /without Content-Disposition/],
    ['--XX\nContent-Disposition: attachment; name="a"\n\nvalue\n--XX--', /not form-data/],
    ['--XX\nContent-Disposition: form-data\n\nvalue\n--XX--', /without a name/],
    ['--XX\nContent-Disposition: form-data; name="a"\nContent-Disposition: form-data; name="b"\n\nv\n--XX--', /two Content-Disposition/],
    ['--XXY\nContent-Disposition: form-data; name="a"\n\nv\n--XX--', /does not end with CRLF/],
    ['--XX\nbroken header line\n\nv\n--XX--', /malformed part header/],
  ];
  for (const [text, expected] of cases) {
    const result = parseMultipart(body(text), 'XX', limits);
    assert.equal(typeof result, 'string', text);
    assert.match(result as string, expected, text);
  }
  const many = `${'--XX\nContent-Disposition: form-data; name="a"\n\nv\n'.repeat(11)}--XX--`;
  assert.match(parseMultipart(body(many), 'XX', limits) as string, /more than 10 parts/);
});

test('a large body is parsed in linear time', () => {
  const big = Buffer.concat([body('--XX\nContent-Disposition: form-data; name="f"; filename="f.bin"\n\n'), Buffer.alloc(8 << 20, 0x2d), body('\n--XX--')]);
  const started = performance.now();
  const parts = parseMultipart(big, 'XX', limits);
  assert.ok(Array.isArray(parts) && parts[0]!.data.length === 8 << 20);
  assert.ok(performance.now() - started < 2000);
});
