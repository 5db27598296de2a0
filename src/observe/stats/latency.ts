// A fixed log-scale latency histogram (about 9% wide buckets from 0.05 ms to ~100 s): constant
// memory, mergeable by adding arrays, percentiles within one bucket's width.

const MIN_MS = 0.05;
const GROWTH = 1.09;
export const LATENCY_SLOTS = 170;
const LOG_GROWTH = Math.log(GROWTH);

export function latencySlot(ms: number): number {
  if (ms <= MIN_MS) return 0;
  const slot = Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH);
  return slot >= LATENCY_SLOTS ? LATENCY_SLOTS - 1 : slot;
}

/** Upper bound of a slot, in milliseconds. */
export function slotMs(slot: number): number {
  return MIN_MS * GROWTH ** slot;
}

/** The q-quantile (0..1) of a histogram, or null when it is empty. */
export function percentile(counts: ArrayLike<number>, q: number): number | null {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!;
    if (seen >= rank) return Math.round(slotMs(i) * 100) / 100;
  }
  return null;
}
