// Brute-force lockouts survive a flood of failures from other clients: failure counts may be
// forgotten when the table is full, a lockout in force never is; with every lockout slot taken a
// new client is not locked out until one ends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FailureLimiter } from './limiter.ts';

const options = { maxFailures: 3, windowMs: 60_000, lockoutMs: 600_000, maxEntries: 100 };

test('failures from many other clients do not flush a lockout in force', () => {
  const limiter = new FailureLimiter(options);
  const now = 1_000_000;
  assert.deepEqual(['a', 'a', 'a'].map((k) => limiter.fail(k, now)), ['counted', 'counted', 'locked']);
  for (let i = 0; i < 1000; i++) limiter.fail(`other-${i}`, now + 1);
  assert.equal(limiter.lockedFor('a', now + 2), 600_000 - 2);
  assert.equal(limiter.lockedFor('a', now + 600_000), 0, 'until the lockout ends');
});

test('with every lockout slot taken, a new client is not locked out until a lockout ends; none is dropped', () => {
  const limiter = new FailureLimiter({ ...options, lockoutMs: 30_000 });
  let now = 1_000_000;
  for (let i = 0; i < 100; i++) for (let j = 0; j < 3; j++) limiter.fail(`locked-${i}`, now + i);
  now += 1000;
  assert.deepEqual(['late', 'late', 'late'].map((k) => limiter.fail(k, now)), ['counted', 'counted', 'full']);
  assert.equal(limiter.lockedFor('late', now), 0);
  for (let i = 0; i < 100; i++) assert.ok(limiter.lockedFor(`locked-${i}`, now) > 0, `locked-${i}`);
  // The first lockout ends (within the waiting client's window): its next failure takes the place.
  now = 1_000_000 + 30_000;
  assert.equal(limiter.fail('late', now), 'locked');
  assert.ok(limiter.lockedFor('late', now) > 0);
  assert.ok(limiter.lockedFor('locked-1', now) > 0);
});
