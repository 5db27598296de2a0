// Detection time must be bounded by input size: 1 MB of hostile input (repeated attack prefixes
// that make backtracking engines and naive decoders blow up) finishes well within the bound.
// Speed itself is measured by bench/; this only catches super-linear behaviour.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileDetector } from './index.ts';

const MB = 1 << 20;
const fill = (unit: string) => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);

const PATTERNS = [
  'a', ' ', "'", '"', '<', '(', '%', '%25', '&#', '\\', '../', '..\\', '${', '${${', '{{', '<a ', '<a x=',
  "' or ", 'union ', 'select ', '/*', '--', ';', '|', '`', '$(', '0x', '@{[', '[$ne]', '__proto__.',
  'http://', 'http://1', '[::', 'a=', 'a=b&', '\\u00', '\\x4', 'aaaa@', 'java.lang.', 'rO0AB', '<!ENTITY ',
  '*)(', '\r\n', 'if ', 'for %a in (', '/et*/', 'sleep(', 'a'.repeat(63) + '(', "1'='1", '0:0:', 'aA1+/',
  '<!-- ', 'aA1+/\n', '[constructor][',
];

test('1 MB hostile inputs are inspected in bounded time', () => {
  const d = compileDetector({ paranoia: 4, maxValueLength: MB });
  const slow: string[] = [];
  for (const p of PATTERNS) {
    const value = fill(p);
    const started = performance.now();
    const v = d.inspect([{ location: 'query', name: 'q', value }]);
    const ms = performance.now() - started;
    assert.equal(v.error, false, `engine error on ${JSON.stringify(p)}`);
    // Generous: the slowest pattern takes about 350 ms on a 2-core machine; super-linear takes minutes.
    if (ms > 2000) slow.push(`${JSON.stringify(p)}: ${ms.toFixed(0)} ms`);
  }
  assert.deepEqual(slow, []);
});

test('a 1 MB request body is inspected in bounded time', () => {
  const d = compileDetector();
  const body = JSON.stringify({ items: Array.from({ length: 20000 }, (_, i) => ({ id: i, name: `item ${i} <b>'x'</b>`, tags: ['a', 'b'] })) });
  const started = performance.now();
  d.inspectRequest({ method: 'POST', path: '/v1/items', headers: { 'content-type': 'application/json' }, body });
  assert.ok(performance.now() - started < 10000);
});
