// Work done in one turn of the event loop by the in-process counters, on big tables. One eviction used
// to move every key read since the hand last passed (a single decision took 0.8-2.4 s on a table of
// 1,000,000: table-spike.ts), and the 10 s sweep walked every state of every table at once (2,000,000
// states: 120-460 ms, sweep-cost.ts). Bounds are generous: the machine running the tests may be busy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryCounters } from '../src/store/counters/memory.ts';
import type { Rule } from '../src/store/counters/types.ts';

const rule = (id: string, periodMs = 3_600_000): Rule => ({ id, algorithm: 'fixed-window', limit: 1000, periodMs, evict: true });

test('a new key into a full table whose every key was read again: one eviction moves a few keys, not the table', () => {
  const n = 200_000;
  const counters = new MemoryCounters({ now: () => 0, sweepEveryMs: 0 });
  const r = rule('spike');
  for (let k = 0; k < n; k++) counters.consume([{ rule: r, key: `k${k}`, cost: 1 }], n);
  for (let k = 0; k < n; k++) counters.consume([{ rule: r, key: `k${k}`, cost: 1 }], n);
  let worst = 0;
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    assert.equal(counters.consume([{ rule: r, key: `new${i}`, cost: 1 }], n).allowed, true);
    worst = Math.max(worst, performance.now() - started);
  }
  assert.ok(worst < 25, `slowest decision ${worst.toFixed(1)} ms`);
  assert.equal(counters.size, n);
  assert.equal(counters.evictions, 20);
});

test('the background sweep goes by slices, with turns of the event loop between them', async () => {
  const clock = { t: 0 };
  const counters = new MemoryCounters({ now: () => clock.t, sweepEveryMs: 20 });
  const rules = [rule('a', 1000), rule('b', 1000), rule('c', 1000), rule('d', 1000)];
  const n = 100_000;
  try {
    for (let k = 0; k < n; k++) counters.consume(rules.map((r) => ({ rule: r, key: `k${k}`, cost: 1 })), n);
    assert.equal(counters.size, 4 * n);
    clock.t = 5000; // every state expired
    const seen = new Set<number>();
    let longest = 0;
    let last = performance.now();
    const started = last;
    while (counters.size > 0 && last - started < 20_000) {
      await new Promise((resolve) => setImmediate(resolve));
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      seen.add(counters.size);
    }
    assert.equal(counters.size, 0, 'the sweep dropped every expired state');
    const between = [...seen].filter((s) => s > 0 && s < 4 * n).length;
    assert.ok(between >= 20, `the sweep went by slices (${between} sizes seen between full and empty)`);
    assert.ok(longest < 50, `longest turn ${longest.toFixed(1)} ms`);
  } finally {
    await counters.close();
  }
});
