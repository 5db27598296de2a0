// The four algorithms as pure functions over a small numeric state, so the in-process store can check
// every limit of a request first and write only when all allow. redis-script.ts is the same logic in Lua.
//
// gcra            c = base time, b = units taken since it, a = TAT (theoretical arrival time)
//                 = c + b·periodMs. A request fits when the new TAT is at most `limit` units ahead of
//                 now (burst capacity). TAT is one product, never a running sum: periodMs = per / rate
//                 is rarely whole (1000 / 7), and seven rounded additions of it exceed 1000, which
//                 refused the last unit of a burst. A state with b = 0 is an older version's (TAT in a).
// fixed-window    a = window start, b = units used in it (calendar days/months or fixed lengths).
// sliding-window  a = current window start, b = its count, c = previous window's count; the
//                 estimate weighs the previous window by how much of it still overlaps (approximate).
// concurrency     b = requests in flight; released when each ends.
import { windowOf } from './calendar.ts';
import type { LimitState, Rule } from './types.ts';

export interface Entry {
  a: number;
  b: number;
  c: number;
  /** When the state is indistinguishable from a fresh one and may be dropped. */
  expiresAt: number;
}

/**
 * Decides one take against `entry` (undefined = fresh). Fills `out`; when allowed, writes the state
 * to store into `next` (not stored yet: the caller writes only when every limit of the request allows).
 */
export function evaluate(rule: Rule, entry: Entry | undefined, cost: number, now: number, out: LimitState, next: Entry): void {
  switch (rule.algorithm) {
    case 'gcra':
      return gcra(rule, entry, cost, now, out, next);
    case 'fixed-window':
      return fixedWindow(rule, entry, cost, now, out, next);
    case 'sliding-window':
      return slidingWindow(rule, entry, cost, now, out, next);
    case 'concurrency':
      return concurrency(rule, entry, cost, out, next);
  }
}

/**
 * Elapsed time is read longer by a relative 2^-44: (units · periodMs) and (elapsed / periodMs) round,
 * and a unit earned exactly now must not be refused for it. Far below a millisecond for any real base age.
 */
const SLACK = 1 + 2 ** -44;

function gcra(rule: Rule, entry: Entry | undefined, cost: number, now: number, out: LimitState, next: Entry): void {
  const t = rule.periodMs;
  const limit = rule.limit;
  let base = now;
  let taken = 0;
  if (entry !== undefined) {
    const b = entry.b > 0 ? entry.c : entry.a;
    // A TAT that is not ahead of now is a full bucket: the base moves to now.
    if (entry.b * t - (now - b) > 0) {
      base = b;
      taken = entry.b;
    }
  }
  const units = ((now - base) * SLACK) / t;
  const after = taken + cost;
  if (after - limit > units) {
    set(out, false, limit - taken + Math.floor(units), taken * t - (now - base), (after - limit) * t - (now - base));
    return;
  }
  set(out, true, limit - after + Math.floor(units), after * t - (now - base), 0);
  store(next, base + after * t, after, base, base + after * t);
}

function fixedWindow(rule: Rule, entry: Entry | undefined, cost: number, now: number, out: LimitState, next: Entry): void {
  const w = windowOf(rule, now);
  const used = entry !== undefined && entry.a === w.start ? entry.b : 0;
  if (used + cost > rule.limit) {
    set(out, false, rule.limit - used, w.end - now, w.end - now);
    return;
  }
  set(out, true, rule.limit - used - cost, w.end - now, 0);
  store(next, w.start, used + cost, 0, w.end);
}

function slidingWindow(rule: Rule, entry: Entry | undefined, cost: number, now: number, out: LimitState, next: Entry): void {
  const size = rule.periodMs;
  const start = Math.floor(now / size) * size;
  let current = 0;
  let previous = 0;
  if (entry !== undefined) {
    if (entry.a === start) {
      current = entry.b;
      previous = entry.c;
    } else if (entry.a === start - size) previous = entry.b;
  }
  const elapsed = now - start;
  const estimate = (previous * (size - elapsed)) / size + current;
  if (estimate + cost > rule.limit) {
    set(out, false, Math.max(0, Math.floor(rule.limit - estimate)), start + size - now, slidingRetry(rule.limit, size, elapsed, previous, current, cost));
    return;
  }
  set(out, true, Math.floor(rule.limit - estimate - cost), start + size - now, 0);
  store(next, start, current + cost, previous, start + 2 * size);
}

/** Time until previous·(size − x)/size + current + cost ≤ limit, in this window or the next. */
function slidingRetry(limit: number, size: number, elapsed: number, previous: number, current: number, cost: number): number {
  if (current + cost <= limit && previous > 0) {
    const x = size * (1 - (limit - current - cost) / previous);
    if (x <= size) return Math.max(1, Math.ceil(x - elapsed));
  }
  // Next window: this window's count becomes the previous one.
  const x = current + cost <= limit ? 0 : size * (1 - (limit - cost) / Math.max(current, 1));
  return Math.max(1, Math.ceil(size - elapsed + Math.max(0, x)));
}

function concurrency(rule: Rule, entry: Entry | undefined, cost: number, out: LimitState, next: Entry): void {
  const inFlight = entry === undefined ? 0 : entry.b;
  if (inFlight + cost > rule.limit) {
    set(out, false, rule.limit - inFlight, 0, 1000);
    return;
  }
  set(out, true, rule.limit - inFlight - cost, 0, 0);
  store(next, 0, inFlight + cost, 0, Number.POSITIVE_INFINITY);
}

function store(next: Entry, a: number, b: number, c: number, expiresAt: number): void {
  next.a = a;
  next.b = b;
  next.c = c;
  next.expiresAt = expiresAt;
}

function set(out: LimitState, allowed: boolean, remaining: number, resetMs: number, retryAfterMs: number): void {
  out.allowed = allowed;
  out.remaining = remaining < 0 ? 0 : remaining;
  out.resetMs = resetMs;
  out.retryAfterMs = retryAfterMs;
}
