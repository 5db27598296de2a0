// The offset to Redis's clock is a lower bound: deadlines sent to Redis are never later than the
// gateway's own; a slow reply does not tighten them; the bound follows drift after a window or two,
// and is dropped at once when a reply proves Redis's clock stepped back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RedisClock } from './redis-clock.ts';

test('no deadline before any reply; then local time plus the best lower bound of the offset', () => {
  const clock = new RedisClock();
  assert.equal(clock.toRedis(100), 0);
  assert.equal(clock.known, false);
  // Redis is 1,000,000 ms ahead; replies read 2 ms and 40 ms (a busy event loop) after the script ran.
  clock.sample(1_000_000 + 10, 9, 12);
  clock.sample(1_000_000 + 20, 19, 60);
  assert.equal(clock.known, true);
  assert.equal(clock.toRedis(200), 1_000_000 + 200 - 2, 'the closer bound wins, and it is below the true offset');
});

test('an older bound is forgotten after two windows, so drift is followed', () => {
  const clock = new RedisClock();
  // Slow replies (sent 2 s before they were read): their upper bounds do not contradict each other.
  clock.sample(5000, -2000, 0); // offset 5000
  clock.sample(4000 + 10_000, 8000, 10_000); // new window: offset 4000 (Redis's clock went back)
  assert.equal(clock.toRedis(10_000), 15_000, 'the previous window still counts');
  clock.sample(4000 + 20_000, 18_000, 20_000);
  assert.equal(clock.toRedis(20_000), 24_000, 'two windows on, only the new offset');
});

// The best bound of the last 10-20 s was kept whatever the replies said: after Redis's clock stepped
// back (or a failover to a node whose clock is behind), deadlines were late by the step for up to 20 s.
test('a reply proving that Redis\'s clock stepped back drops what was learnt at once', () => {
  const clock = new RedisClock();
  clock.sample(1_005_000, 0, 1); // offset within [1,004,999, 1,005,001]
  // Redis's clock steps back by a second: at local time 100, it says 1,004,100.
  clock.sample(1_004_100, 99, 101);
  const truth = 1_004_000 + 200;
  assert.ok(clock.toRedis(200) <= truth, `deadline ${clock.toRedis(200) - truth} ms after the gateway's`);
  assert.ok(clock.toRedis(200) >= truth - 5);
  // A slow reply (sent long before) proves nothing: its upper bound is above the best lower bound.
  clock.sample(1_004_300, 100, 400);
  assert.equal(clock.toRedis(1000), 1_004_000 + 1000 - 1);
});

test('reset forgets every sample (a new connection)', () => {
  const clock = new RedisClock();
  clock.sample(5000, 0, 1);
  clock.reset();
  assert.equal(clock.known, false);
  assert.equal(clock.toRedis(100), 0);
  clock.sample(3000, 10, 11);
  assert.equal(clock.toRedis(100), 3000 - 11 + 100);
});
