// The offset to Redis's clock is a lower bound: deadlines sent to Redis are never later than the
// gateway's own; a slow reply does not tighten them; the bound follows drift after a window or two.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RedisClock } from './redis-clock.ts';

test('no deadline before any reply; then local time plus the best lower bound of the offset', () => {
  const clock = new RedisClock();
  assert.equal(clock.toRedis(100), 0);
  // Redis is 1,000,000 ms ahead; replies read 2 ms and 40 ms (a busy event loop) after the script ran.
  clock.sample(1_000_000 + 10, 12);
  clock.sample(1_000_000 + 20, 60);
  assert.equal(clock.toRedis(200), 1_000_000 + 200 - 2, 'the closer bound wins, and it is below the true offset');
});

test('an older bound is forgotten after two windows, so drift is followed', () => {
  const clock = new RedisClock();
  clock.sample(5000, 0); // offset 5000
  clock.sample(4000 + 10_000, 10_000); // new window: offset 4000 (Redis's clock went back)
  assert.equal(clock.toRedis(10_000), 15_000, 'the previous window still counts');
  clock.sample(4000 + 20_000, 20_000);
  assert.equal(clock.toRedis(20_000), 24_000, 'two windows on, only the new offset');
});
