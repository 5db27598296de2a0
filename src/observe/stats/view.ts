// The JSON of GET /api/stats from one or more raw snapshots (one per cluster worker): every
// 5-second bucket of the asked window (zeros included, oldest first), totals, top denial reasons
// and top-k consumers, IPs and operations. Shapes are documented in docs/admin-api.yaml.
import { LATENCY_SLOTS, percentile } from './latency.ts';
import { BUCKET_MS, TOP_KINDS, type StatsRaw, type TopKind } from './rolling.ts';
import { SpaceSaving, type TopEntry } from './space-saving.ts';

export interface StatsPoint {
  readonly t: number;
  readonly requests: number;
  readonly rps: number;
  readonly errors: number;
  readonly denials: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

export interface StatsView {
  readonly now: number;
  readonly bucketSeconds: number;
  readonly windowSeconds: number;
  readonly series: StatsPoint[];
  readonly totals: { requests: number; rps: number; errors: number; denials: number; p50Ms: number | null; p99Ms: number | null };
  readonly topDeniedReasons: { reason: string; count: number }[];
  readonly top: Record<TopKind, TopEntry[]>;
}

export function statsView(raws: readonly StatsRaw[], minutes: number, k: number, now = Date.now()): StatsView {
  const last = Math.floor(now / BUCKET_MS);
  const count = Math.max(1, Math.round((minutes * 60_000) / BUCKET_MS));
  const first = last - count + 1;
  const points = Array.from({ length: count }, (_, i) => ({ t: (first + i) * BUCKET_MS, requests: 0, errors: 0, denials: 0, latency: new Float64Array(LATENCY_SLOTS) }));
  const all = new Float64Array(LATENCY_SLOTS);
  const reasons = new Map<string, number>();
  for (const raw of raws) {
    for (const b of raw.buckets) {
      const i = Math.floor(b.t / BUCKET_MS) - first;
      if (i < 0 || i >= count) continue;
      const p = points[i]!;
      p.requests += b.requests;
      p.errors += b.errors;
      p.denials += b.denials;
      for (let j = 0; j < b.latency.length; j += 2) {
        p.latency[b.latency[j]!]! += b.latency[j + 1]!;
        all[b.latency[j]!]! += b.latency[j + 1]!;
      }
      for (const [reason, n] of Object.entries(b.reasons)) reasons.set(reason, (reasons.get(reason) ?? 0) + n);
    }
  }
  const series = points.map((p) => ({
    t: p.t, requests: p.requests, rps: round(p.requests / (BUCKET_MS / 1000)), errors: p.errors, denials: p.denials,
    p50Ms: percentile(p.latency, 0.5), p99Ms: percentile(p.latency, 0.99),
  }));
  const sum = (f: (p: StatsPoint) => number) => series.reduce((n, p) => n + f(p), 0);
  const requests = sum((p) => p.requests);
  const top = {} as Record<TopKind, TopEntry[]>;
  for (const kind of TOP_KINDS) {
    const merged = new SpaceSaving(Math.max(64, k));
    for (const raw of raws) merged.merge(raw.top[kind] ?? []);
    top[kind] = merged.top(k);
  }
  return {
    now,
    bucketSeconds: BUCKET_MS / 1000,
    windowSeconds: count * (BUCKET_MS / 1000),
    series,
    totals: { requests, rps: round(requests / ((count * BUCKET_MS) / 1000)), errors: sum((p) => p.errors), denials: sum((p) => p.denials), p50Ms: percentile(all, 0.5), p99Ms: percentile(all, 0.99) },
    topDeniedReasons: [...reasons].map(([reason, n]) => ({ reason, count: n })).sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1)).slice(0, k),
    top,
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
