// The live-stats building blocks: space-saving keeps every heavy hitter in bounded memory, latency
// percentiles land within one bucket, and the view adds up several processes' snapshots.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LATENCY_SLOTS, latencySlot, percentile } from './latency.ts';
import { BUCKET_MS, RollingStats } from './rolling.ts';
import { SpaceSaving } from './space-saving.ts';
import { statsView } from './view.ts';

test('space-saving: bounded, heavy hitters found with their counts bounded by error', () => {
  const sketch = new SpaceSaving(20);
  const truth = new Map<string, number>();
  const add = (k: string) => (sketch.add(k), truth.set(k, (truth.get(k) ?? 0) + 1));
  for (let i = 0; i < 20_000; i++) {
    add(`scanner-${i % 3}`); // three heavy hitters
    add(`ip-${i}`); // a long tail, each seen once
  }
  const top = sketch.top(3);
  assert.deepEqual(top.map((e) => e.key).sort(), ['scanner-0', 'scanner-1', 'scanner-2']);
  for (const e of top) assert.ok(e.count >= truth.get(e.key)! && e.count - e.error <= truth.get(e.key)!, JSON.stringify(e));
  assert.equal(sketch.entries().length, 20);
});

test('latency percentiles within one bucket (~9%)', () => {
  const counts = new Float64Array(LATENCY_SLOTS);
  for (let ms = 1; ms <= 1000; ms++) counts[latencySlot(ms)]!++;
  const p50 = percentile(counts, 0.5)!;
  const p99 = percentile(counts, 0.99)!;
  assert.ok(p50 >= 500 && p50 <= 500 * 1.1, String(p50));
  assert.ok(p99 >= 990 && p99 <= 990 * 1.1, String(p99));
  assert.equal(percentile(new Float64Array(LATENCY_SLOTS), 0.5), null);
  assert.equal(latencySlot(1e9), LATENCY_SLOTS - 1);
});

test('rolling stats: buckets by time, old ones out of the window, processes added up', () => {
  const now = Date.now();
  const a = new RollingStats();
  const b = new RollingStats();
  a.record(now, 2, 200, false, undefined, 'alice', '10.0.0.1', 'shop:getOrder');
  a.record(now, 4, 403, true, 'PCL_ERR_FORBIDDEN', 'alice', '10.0.0.1', 'shop:getOrder');
  b.record(now - BUCKET_MS, 8, 502, false, undefined, undefined, '10.0.0.2', 'shop:getOrder');
  b.record(now - 20 * 60_000, 8, 200, false, undefined, undefined, '10.0.0.3', undefined); // outside the window
  const view = statsView([a.raw(now), b.raw(now)], 1, 5, now);
  assert.equal(view.series.length, 12);
  assert.deepEqual(view.series.at(-1), { t: Math.floor(now / BUCKET_MS) * BUCKET_MS, requests: 2, rps: 0.4, errors: 0, denials: 1, p50Ms: view.series.at(-1)!.p50Ms, p99Ms: view.series.at(-1)!.p99Ms });
  assert.equal(view.series.at(-2)!.errors, 1);
  assert.equal(view.totals.requests, 3);
  assert.deepEqual(view.topDeniedReasons, [{ reason: 'PCL_ERR_FORBIDDEN', count: 1 }]);
  assert.deepEqual(view.top.operations, [{ key: 'shop:getOrder', count: 3, error: 0 }]);
  assert.deepEqual(view.top.deniedIps, [{ key: '10.0.0.1', count: 1, error: 0 }]);
  assert.ok(view.totals.p99Ms! >= 8 && view.totals.p99Ms! < 9);
});
