import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileDetector } from '../index.ts';
import { decodeBase64Text } from './base64.ts';

const SQLI = "1' union select password from users-- ";
const b64 = (s: string) => Buffer.from(s).toString('base64');
const wrap = (s: string, width: number, eol: string) => s.replace(new RegExp(`(.{${width}})`, 'g'), `$1${eol}`);

test('base64 wrapped in lines (MIME, PEM) is decoded like unwrapped base64', () => {
  const text = JSON.stringify({ filter: SQLI, pad: 'A quick brown fox jumps over the lazy dog. '.repeat(4) });
  for (const encoded of [wrap(b64(text), 76, '\r\n'), wrap(b64(text), 64, '\n'), `${wrap(b64(text), 76, '\n')}\n`]) {
    assert.equal(decodeBase64Text(encoded), text);
  }
  const d = compileDetector();
  const v = d.inspect([{ location: 'body', name: '$.data', value: wrap(b64(text), 76, '\r\n') }]);
  assert.equal(v.blocked, true);
  assert.equal(v.matches[0]?.class, 'sqli');
});

test('long base64 values are decoded whole, up to maxValueLength', () => {
  const d = compileDetector();
  for (const text of [JSON.stringify({ filter: SQLI, pad: 'x'.repeat(70000) }), JSON.stringify({ pad: 'Lorem ipsum dolor sit amet. '.repeat(2000), filter: SQLI })]) {
    const value = b64(text);
    assert.ok(value.length > 65536);
    const v = d.inspect([{ location: 'body', name: '$.data', value }]);
    assert.equal(v.blocked, true, `${value.length} characters`);
    assert.equal(v.truncated, false);
  }
});

test('words, binary and malformed look-alikes are not decoded', () => {
  const binary = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) & 0xff)).toString('base64');
  for (const s of ['Hello World Test Foo', 'AAAA BBBB', wrap(binary, 76, '\r\n'), 'QUJD=REVG', 'QUJD\tREVGR0g=', 'QUJDREVG,R0g=']) {
    assert.equal(decodeBase64Text(s), null, JSON.stringify(s.slice(0, 40)));
  }
});
