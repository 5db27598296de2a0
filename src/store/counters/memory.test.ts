import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { calendarWindow } from './calendar.ts';
import { MemoryCounters } from './memory.ts';
import type { Rule, Take } from './types.ts';

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

const take = (rule: Rule, key = 'k', cost = 1): Take => ({ rule, key, cost });

function admitted(counters: MemoryCounters, takes: Take[], n: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (counters.consume(takes).allowed) ok++;
  return ok;
}

describe('gcra', () => {
  // 10 per second (one unit every 100 ms), burst 5.
  const rule: Rule = { id: 'g', algorithm: 'gcra', limit: 5, periodMs: 100 };

  test('a full bucket admits the burst, then one unit per interval', () => {
    const c = clock();
    const counters = new MemoryCounters({ now: c.now, sweepEveryMs: 0 });
    assert.equal(admitted(counters, [take(rule)], 10), 5);
    const refused = counters.consume([take(rule)]);
    assert.equal(refused.allowed, false);
    assert.equal(refused.states[0]!.remaining, 0);
    assert.equal(refused.states[0]!.retryAfterMs, 100);
    c.t += 100;
    assert.equal(admitted(counters, [take(rule)], 3), 1);
    c.t += 250;
    assert.equal(admitted(counters, [take(rule)], 3), 2);
  });

  test('remaining and reset follow the bucket; it refills completely', () => {
    const c = clock();
    const counters = new MemoryCounters({ now: c.now, sweepEveryMs: 0 });
    const first = counters.consume([take(rule)]).states[0]!;
    assert.deepEqual(first, { allowed: true, remaining: 4, resetMs: 100, retryAfterMs: 0 });
    counters.consume([take(rule, 'k', 3)]);
    c.t += 10_000;
    assert.equal(admitted(counters, [take(rule)], 10), 5);
  });

  test('a cost larger than what is left is refused and consumes nothing', () => {
    const c = clock();
    const counters = new MemoryCounters({ now: c.now, sweepEveryMs: 0 });
    counters.consume([take(rule, 'k', 3)]);
    assert.equal(counters.consume([take(rule, 'k', 3)]).allowed, false);
    assert.equal(admitted(counters, [take(rule)], 5), 2);
  });

  test('keys are independent', () => {
    const counters = new MemoryCounters({ now: clock().now, sweepEveryMs: 0 });
    assert.equal(admitted(counters, [take(rule, 'a')], 9), 5);
    assert.equal(admitted(counters, [take(rule, 'b')], 9), 5);
  });
});

describe('fixed-window', () => {
  const rule: Rule = { id: 'f', algorithm: 'fixed-window', limit: 3, periodMs: 60_000 };

  test('admits the limit per window; the next window starts fresh', () => {
    const c = clock(60_000 * 10 + 5_000);
    const counters = new MemoryCounters({ now: c.now, sweepEveryMs: 0 });
    assert.equal(admitted(counters, [take(rule)], 5), 3);
    const refused = counters.consume([take(rule)]).states[0]!;
    assert.equal(refused.retryAfterMs, 55_000);
    assert.equal(refused.resetMs, 55_000);
    c.t += 55_000;
    assert.equal(admitted(counters, [take(rule)], 5), 3);
  });

  test('calendar months are UTC months of their real length', () => {
    const feb = Date.UTC(2028, 1, 10, 12);
    const w = calendarWindow('month', feb);
    assert.equal(w.start, Date.UTC(2028, 1, 1));
    assert.equal(w.end, Date.UTC(2028, 2, 1));
    assert.equal((w.end - w.start) / 86_400_000, 29);
    const day = calendarWindow('day', feb);
    assert.deepEqual([day.start, day.end], [Date.UTC(2028, 1, 10), Date.UTC(2028, 1, 11)]);
  });

  test('a daily quota resets at midnight UTC', () => {
    const quota: Rule = { id: 'q', algorithm: 'fixed-window', limit: 2, periodMs: 0, calendar: 'day' };
    const c = clock(Date.UTC(2027, 5, 1, 23, 59, 0));
    const counters = new MemoryCounters({ now: c.now, sweepEveryMs: 0 });
    assert.equal(admitted(counters, [take(quota)], 4), 2);
    assert.equal(counters.consume([take(quota)]).states[0]!.retryAfterMs, 60_000);
    c.t += 60_000;
    assert.equal(admitted(counters, [take(quota)], 4), 2);
  });
});

describe('sliding-window', () => {
  const rule: Rule = { id: 's', algorithm: 'sliding-window', limit: 10, periodMs: 1000 };

  test('the previous window counts in proportion to its overlap', () => {
    const c = clock(100_000);
    const counters = new MemoryCounters({ now: c.now, sweepEveryMs: 0 });
    assert.equal(admitted(counters, [take(rule)], 20), 10);
    c.t += 1000; // previous = 10, weight 1: nothing yet
    assert.equal(admitted(counters, [take(rule)], 5), 0);
    c.t += 500; // weight 0.5: 5 left
    assert.equal(admitted(counters, [take(rule)], 20), 5);
    c.t += 2000; // both windows gone
    assert.equal(admitted(counters, [take(rule)], 20), 10);
  });

  test('retry-after points at a moment when the request is admitted', () => {
    const c = clock(100_000);
    const counters = new MemoryCounters({ now: c.now, sweepEveryMs: 0 });
    admitted(counters, [take(rule)], 10);
    c.t += 1200;
    admitted(counters, [take(rule)], 10);
    const refused = counters.consume([take(rule)]);
    assert.equal(refused.allowed, false);
    c.t += refused.states[0]!.retryAfterMs;
    assert.equal(counters.consume([take(rule)]).allowed, true);
  });
});

describe('concurrency', () => {
  const rule: Rule = { id: 'c', algorithm: 'concurrency', limit: 2, periodMs: 0 };

  test('admits up to the limit in flight; a release frees a slot', () => {
    const counters = new MemoryCounters({ now: clock().now, sweepEveryMs: 0 });
    const t = [take(rule)];
    assert.equal(admitted(counters, t, 3), 2);
    counters.release(t);
    assert.equal(admitted(counters, t, 3), 1);
    counters.release(t);
    counters.release(t);
    assert.equal(counters.size, 0, 'no state is kept for an idle key');
  });
});

describe('atomic decisions', () => {
  test('when one limit refuses, none of the others is consumed', () => {
    const c = clock();
    const counters = new MemoryCounters({ now: c.now, sweepEveryMs: 0 });
    const wide: Rule = { id: 'wide', algorithm: 'fixed-window', limit: 100, periodMs: 60_000 };
    const narrow: Rule = { id: 'narrow', algorithm: 'fixed-window', limit: 2, periodMs: 60_000 };
    assert.equal(admitted(counters, [take(wide), take(narrow)], 50), 2);
    const state = counters.consume([take(wide)]).states[0]!;
    assert.equal(state.remaining, 97, 'the 48 refused requests did not use the wide limit');
  });
});

describe('bounded table', () => {
  test('live counters are never evicted: new keys are refused until states expire', () => {
    const c = clock(0);
    const counters = new MemoryCounters({ now: c.now, sweepEveryMs: 0, maxKeys: 3 });
    const rule: Rule = { id: 'f', algorithm: 'fixed-window', limit: 1, periodMs: 1000 };
    for (const k of ['a', 'b', 'c']) assert.equal(counters.consume([take(rule, k)]).allowed, true);
    assert.equal(counters.consume([take(rule, 'd')]).allowed, false);
    assert.equal(counters.overflows, 1);
    assert.equal(counters.consume([take(rule, 'a')]).allowed, false, 'key a still has no budget left');
    c.t = 1000;
    assert.equal(counters.consume([take(rule, 'd')]).allowed, true, 'expired states made room');
    assert.ok(counters.size <= 3);
  });
});
