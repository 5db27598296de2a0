import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonLine } from './json-line.ts';

test('an exported line holds no character any reader splits lines at, and reads back the same', () => {
  const evidence = { name: 'a\u2028{"id":1,"forged":"yes"}\u0085=\u2029x\n\u009f', ok: 'plain é ü' };
  const line = jsonLine(evidence);
  assert.equal(line.endsWith('\n'), true);
  const body = line.slice(0, -1);
  assert.doesNotMatch(body, /[\n\r\u0080-\u009f\u2028\u2029]/);
  assert.deepEqual(JSON.parse(body), evidence);
  assert.equal(body.includes('plain é ü'), true, 'other characters stay as they are');
});
