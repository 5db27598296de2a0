import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanTags } from './html.ts';

test('comments are skipped; after an unterminated one, tags are still read', () => {
  assert.deepEqual(scanTags('<!-- <b> --><i x=1>').map((t) => t.name), ['i']);
  assert.deepEqual(scanTags('<!-- <img src=x onerror=alert(1)>').map((t) => t.name), ['img']);
  assert.deepEqual(scanTags('<!--<!--<svg onload=alert(1)>').map((t) => t.name), ['svg']);
  assert.deepEqual(scanTags('<!--<!--<svg onload=alert(1)> -->').map((t) => t.name), []);
});

test('many unterminated comments cost one search for their end, not one each', () => {
  // 256 KiB: about 20 s when every `<!--` searched to the end for `-->`.
  const s = '<!-- '.repeat(1 << 16) + '<script>';
  const started = performance.now();
  const tags = scanTags(s);
  const ms = performance.now() - started;
  assert.deepEqual(tags.map((t) => t.name), ['script']);
  assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
});
