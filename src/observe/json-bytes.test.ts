import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonStringBound, NUMBER_BOUND, putJsonString, putMs, putNumber } from './json-bytes.ts';

function written(put: (buf: Buffer, pos: number) => number, room: number): string {
  const buf = Buffer.alloc(room + 8, 0xff);
  const end = put(buf, 3);
  assert.ok(end - 3 <= room, `wrote ${end - 3} bytes, more than the ${room} reserved`);
  assert.ok(buf.subarray(end).every((b) => b === 0xff), 'nothing written past the returned position');
  return buf.toString('utf8', 3, end);
}

const str = (value: string) => written((buf, pos) => putJsonString(buf, pos, value), jsonStringBound(value.length));

test('strings read back as the same value, and as JSON.stringify writes them', () => {
  const samples = ['', 'plain /api/v1/orders?x=1', 'quote " and \\ backslash', 'tab\tnew\nline\r\u0000\u001f\u007f', 'é ß 中文 🔥 𝄞', '\ud800 lone high', 'lone low \udc00 end', 'pair then lone \ud83d\ude00\ud83d', '\u2028\u2029'];
  for (const value of samples) {
    assert.equal(JSON.parse(str(value)), JSON.parse(JSON.stringify(value)), `round trip of ${JSON.stringify(value)}`);
  }
});

test('random strings of every UTF-16 unit stay within the bound and parse back', () => {
  let seed = 7;
  const next = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed);
  for (let round = 0; round < 2000; round++) {
    const units = Array.from({ length: next() % 40 }, () => {
      const kind = next() % 4;
      return kind === 0 ? next() % 0x80 : kind === 1 ? 0xd800 + (next() % 0x800) : next() % 0x10000;
    });
    const value = String.fromCharCode(...units);
    assert.equal(JSON.parse(str(value)), JSON.parse(JSON.stringify(value)));
  }
});

test('numbers: integers digit by digit, others as JSON would write them', () => {
  const num = (n: number) => written((buf, pos) => putNumber(buf, pos, n), NUMBER_BOUND);
  for (const n of [0, 7, 10, 99, 100, 12345, -1, -450, 2 ** 53 - 1, 1.5, 1e21, -0.000001]) assert.equal(num(n), JSON.stringify(n));
  assert.equal(num(Number.NaN), 'null');
  assert.equal(num(Infinity), 'null');
});

test('milliseconds are rounded to hundredths and written shortest', () => {
  const ms = (n: number) => written((buf, pos) => putMs(buf, pos, n), NUMBER_BOUND);
  const cases: Array<[number, string]> = [[0, '0'], [0.004, '0'], [0.05, '0.05'], [3.4, '3.4'], [3.049, '3.05'], [3.999, '4'], [12, '12'], [1234.5678, '1234.57'], [0.1, '0.1']];
  for (const [n, expected] of cases) assert.equal(ms(n), expected, `${n}`);
  for (let i = 0; i < 10_000; i++) {
    const n = i * 0.0137;
    assert.equal(Number(ms(n)), Math.round(n * 100) / 100);
  }
});
