// The engine remembers JSON keys found clean, across requests: a key an attack hit must never be
// remembered, even when its hit added nothing to the verdict (same class and name as an earlier one).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileDetector } from './index.ts';

const post = (d: ReturnType<typeof compileDetector>, body: string) =>
  d.inspectRequest({ method: 'POST', path: '/v1/items', headers: { 'content-type': 'application/json' }, body });

const KEYS = ["1' union select password from users-- ", '<img src=x onerror=alert(document.domain)>', '$ne', '__proto__'];

test('a repeated attacking key is not remembered as clean for later requests', () => {
  for (const k of KEYS) {
    const d = compileDetector();
    const key = JSON.stringify(k);
    assert.equal(post(d, `{${key}:1,${key}:2}`).blocked, true, k);
    assert.equal(post(d, `{${key}:1}`).blocked, true, `${k} after a request that repeated it`);
  }
});

test('an attacking key whose path collides with a dotted key is not remembered as clean', () => {
  for (const k of KEYS) {
    const d = compileDetector();
    const key = JSON.stringify(k);
    assert.equal(post(d, `{${JSON.stringify(`a.${k}`)}:1,"a":{${key}:1}}`).blocked, true, k);
    assert.equal(post(d, `{"a":{${key}:1}}`).blocked, true, `${k} after a dotted-path collision`);
    assert.equal(post(d, `{${key}:1}`).blocked, true, `${k} elsewhere after a dotted-path collision`);
  }
});

test('clean keys are still remembered, and a `prototype` key is judged by its parent each time', () => {
  const d = compileDetector();
  assert.equal(post(d, '{"sku":"a","qty":1,"x":{"prototype":1}}').blocked, false);
  assert.equal(post(d, '{"sku":"a","qty":1,"x":{"prototype":1}}').blocked, false);
  const v = post(d, '{"constructor":{"prototype":{"isAdmin":true}}}');
  assert.equal(v.blocked, true);
  assert.equal(v.matches[0]?.class, 'proto-pollution');
});
