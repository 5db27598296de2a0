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

describe('bounded tables: one per limit', () => {
  const limit = (id: string): Rule => ({ id, algorithm: 'fixed-window', limit: 1, periodMs: 1000, evict: true });

  // One table used to hold every limit's keys: a flood of new keys on one limit (header values
  // before authentication) made every other limit refuse its new callers.
  test('a flood of new keys on one limit never refuses another limit\'s new keys', () => {
    const counters = new MemoryCounters({ now: clock(0).now, sweepEveryMs: 0 });
    for (let i = 0; i < 500; i++) counters.consume([take(limit('flooded'), `device-${i}`)], 100);
    assert.equal(counters.consume([take(limit('other'), 'victim')], 100).allowed, true);
    assert.equal(counters.consume([take(limit('other'), 'second-victim')], 100).allowed, true);
    assert.equal(counters.size, 102, 'the flooded table holds its bound, no more');
  });

  test('a full rate-limit table evicts its least recently used key: new callers are admitted, active keys kept', () => {
    const counters = new MemoryCounters({ now: clock(0).now, sweepEveryMs: 0 });
    const rule = limit('lru');
    for (const k of ['a', 'b', 'c']) assert.equal(counters.consume([take(rule, k)], 3).allowed, true);
    assert.equal(counters.consume([take(rule, 'a')], 3).allowed, false, 'a is used (refused, still a use)');
    assert.equal(counters.consume([take(rule, 'd')], 3).allowed, true, 'a new key gets in');
    assert.equal(counters.evictions, 1);
    assert.equal(counters.overflows, 0);
    assert.equal(counters.consume([take(rule, 'a')], 3).allowed, false, 'a, the active key, kept its count');
    assert.equal(counters.consume([take(rule, 'b')], 3).allowed, true, 'b, idle for longest, was evicted and starts afresh');
    assert.equal(counters.size, 3);
  });

  test('an expired state the eviction pass meets goes before a live one', () => {
    const c = clock(0);
    const counters = new MemoryCounters({ now: c.now, sweepEveryMs: 0 });
    const short: Rule = { ...limit('expiring'), periodMs: 1000 };
    counters.consume([take(short, 'old')], 2);
    c.t = 1500;
    counters.consume([take(short, 'live')], 2);
    assert.equal(counters.consume([take(short, 'new')], 2).allowed, true);
    assert.equal(counters.evictions, 0, 'the expired state made room');
    assert.equal(counters.consume([take(short, 'live')], 2).allowed, false, 'the live one kept its count');
  });

  test('each decision bounds its tables: a reload\'s new maxKeys applies at once', () => {
    const counters = new MemoryCounters({ now: clock(0).now, sweepEveryMs: 0 });
    const rule = limit('reloaded');
    for (let i = 0; i < 20; i++) counters.consume([take(rule, `k${i}`)], 20);
    assert.equal(counters.size, 20);
    counters.consume([take(rule, 'new')], 4);
    assert.equal(counters.size, 13, 'a few evictions per decision (bounded work)');
    counters.consume([take(rule, 'newer')], 4);
    assert.equal(counters.size, 6);
    counters.sweep();
    assert.equal(counters.size, 4, 'the sweep trims the rest');
  });

  test('counters that must not forget refuse new keys when full, until states expire', () => {
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

  test('concurrency slots in flight are never evicted', () => {
    const counters = new MemoryCounters({ now: clock(0).now, sweepEveryMs: 0 });
    const rule: Rule = { id: 'slots', algorithm: 'concurrency', limit: 1, periodMs: 0, evict: true };
    for (const k of ['a', 'b']) assert.equal(counters.consume([take(rule, k)], 2).allowed, true);
    assert.equal(counters.consume([take(rule, 'c')], 2).allowed, false);
    assert.equal(counters.consume([take(rule, 'a')], 2).allowed, false, 'a still holds its slot');
    counters.release([take(rule, 'a')]);
    assert.equal(counters.consume([take(rule, 'c')], 2).allowed, true);
  });

  // Each table had its bound, but nothing bounded them together: a policy with several limits keyed by
  // a header a client chooses held maxKeys states in each (tables-mem.ts: 800,000 states, 153 MB).
  test('every table together holds at most maxTotalKeys: a new key evicts from the largest rate-limit table', () => {
    const counters = new MemoryCounters({ now: clock(0).now, sweepEveryMs: 0, maxTotalKeys: 300 });
    for (let i = 0; i < 250; i++) counters.consume([take(limit('flood-a'), `a${i}`)], 200);
    for (let i = 0; i < 250; i++) assert.equal(counters.consume([take(limit('flood-b'), `b${i}`)], 200).allowed, true);
    assert.equal(counters.size, 300, 'the flood of b evicted from a beyond the ceiling');
    const slots: Rule = { id: 'slots', algorithm: 'concurrency', limit: 1, periodMs: 0 };
    for (let i = 0; i < 20; i++) assert.equal(counters.consume([take(slots, `s${i}`)], 200).allowed, true, 'a table that does not evict is not locked out by the floods');
    assert.equal(counters.size, 300);
    assert.equal(counters.overflows, 0);
  });

  test('at the ceiling with no rate-limit state to evict, a new key is refused; a policy\'s higher maxKeys raises the ceiling', () => {
    const counters = new MemoryCounters({ now: clock(0).now, sweepEveryMs: 0, maxTotalKeys: 100 });
    const nonces = (id: string): Rule => ({ id, algorithm: 'gcra', limit: 1, periodMs: 60_000 });
    for (let i = 0; i < 60; i++) assert.equal(counters.consume([take(nonces('n1'), `k${i}`)], 100).allowed, true);
    let admittedKeys = 0;
    for (let i = 0; i < 60; i++) if (counters.consume([take(nonces('n2'), `k${i}`)], 100).allowed) admittedKeys++;
    assert.equal(admittedKeys, 40);
    assert.equal(counters.overflows, 20);
    for (let i = 0; i < 300; i++) counters.consume([take(limit('big'), `k${i}`)], 500);
    assert.equal(counters.size, 400, 'a table of a policy with maxKeys 500 grows past maxTotalKeys, up to its own bound');
  });

  test('two new keys of one table in one decision: both fit, or the decision is refused whole', () => {
    const counters = new MemoryCounters({ now: clock(0).now, sweepEveryMs: 0 });
    const replay: Rule = { id: 'replay', algorithm: 'gcra', limit: 1, periodMs: 60_000 };
    assert.equal(counters.consume([take(replay, 's1'), take(replay, 'n1')], 3).allowed, true);
    assert.equal(counters.consume([take(replay, 's2'), take(replay, 'n2')], 3).allowed, false, 'only one more fits');
    assert.equal(counters.size, 2, 'nothing of the refused decision was written');
  });
});
