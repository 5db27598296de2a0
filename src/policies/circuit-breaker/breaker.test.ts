import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Breaker } from './breaker.ts';

const options = { failures: 3, openForMs: 1000, probes: 1, maxConcurrent: 2 };

test('opens after consecutive failures, refuses while open, then one probe decides', () => {
  const b = new Breaker(options);
  for (let i = 0; i < 3; i++) b.done(b.admit(0), true, 0);
  assert.equal(b.state, 'open');
  assert.equal(b.admit(500), 'open');
  assert.equal(b.retryAfterMs(500), 500);
  const probe = b.admit(1000);
  assert.equal(probe, 'probe');
  assert.equal(b.admit(1000), 'open', 'one probe at a time');
  b.done(probe, true, 1100);
  assert.equal(b.state, 'open', 'a failed probe opens it again');
  assert.equal(b.admit(1500), 'open');
  const second = b.admit(2100);
  b.done(second, false, 2150);
  assert.equal(b.state, 'closed');
  assert.equal(b.admit(2200), 'pass');
});

test('a success in between resets the count; a probe that ends without an outcome frees its slot', () => {
  const b = new Breaker(options);
  b.done(b.admit(0), true, 0);
  b.done(b.admit(0), true, 0);
  b.done(b.admit(0), false, 0);
  b.done(b.admit(0), true, 0);
  assert.equal(b.state, 'closed');
  for (let i = 0; i < 2; i++) b.done(b.admit(0), true, 0);
  const probe = b.admit(1000);
  b.done(probe, undefined, 1000);
  assert.equal(b.admit(1000), 'probe');
});

test('calls in flight are capped', () => {
  const b = new Breaker(options);
  const first = b.admit(0);
  b.admit(0);
  assert.equal(b.admit(0), 'busy');
  b.done(first, false, 0);
  assert.equal(b.admit(0), 'pass');
});
