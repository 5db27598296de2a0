// In-process counters: exact for one process, synchronous (no promise on the hot path). The table is
// bounded: expired states are swept (periodically, and when the table is full); a live counter is
// never evicted, because dropping it would hand its key a fresh budget. A new key that finds the table
// full of live counters is refused (fail closed) until some expire; `overflows` counts those refusals.
import { evaluate, type Entry } from './algorithms.ts';
import type { Counters, Decision, LimitState, Take } from './types.ts';

export interface MemoryCountersOptions {
  readonly maxKeys?: number;
  readonly now?: () => number;
  /** Background sweep of expired states; 0 turns it off (tests). */
  readonly sweepEveryMs?: number;
}

const FULL_RETRY_MS = 1000;

export class MemoryCounters implements Counters {
  readonly kind = 'memory';
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout | undefined;
  #lastFullSweep = Number.NEGATIVE_INFINITY;
  // Scratch space of one decision (consume is synchronous, so one set per table is enough).
  readonly #scratch: Entry[] = [];
  readonly #keys: string[] = [];
  readonly #found: (Entry | undefined)[] = [];
  /** New keys refused because the table was full of live counters. */
  overflows = 0;

  constructor(options: MemoryCountersOptions = {}) {
    this.#max = options.maxKeys ?? 1_000_000;
    this.#now = options.now ?? Date.now;
    const every = options.sweepEveryMs ?? 10_000;
    if (every > 0) {
      this.#timer = setInterval(() => this.sweep(), every);
      this.#timer.unref();
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  consume(takes: readonly Take[], now = this.#now()): Decision {
    const n = takes.length;
    const states: LimitState[] = new Array(n);
    const next = this.#scratch;
    while (next.length < n) next.push({ a: 0, b: 0, c: 0, expiresAt: 0 });
    const keys = this.#keys;
    const found = this.#found;
    let allowed = true;
    let added = 0;
    for (let i = 0; i < n; i++) {
      const take = takes[i]!;
      const key = (keys[i] = counterKey(take));
      const entry = (found[i] = this.#entries.get(key));
      const state: LimitState = { allowed: true, remaining: 0, resetMs: 0, retryAfterMs: 0 };
      states[i] = state;
      evaluate(take.rule, entry, take.cost, now, state, next[i]!);
      if (!state.allowed) allowed = false;
      if (entry === undefined) added++;
    }
    if (allowed && added > 0 && this.#entries.size + added > this.#max && !this.#makeRoom(added, now)) {
      this.overflows++;
      for (const s of states) refuse(s);
      return { allowed: false, states };
    }
    if (allowed) {
      // Existing states are updated in place; only a new key allocates.
      for (let i = 0; i < n; i++) {
        const entry = found[i];
        const s = next[i]!;
        if (entry === undefined) this.#entries.set(keys[i]!, { a: s.a, b: s.b, c: s.c, expiresAt: s.expiresAt });
        else {
          entry.a = s.a;
          entry.b = s.b;
          entry.c = s.c;
          entry.expiresAt = s.expiresAt;
        }
      }
    }
    return { allowed, states };
  }

  release(takes: readonly Take[]): void {
    for (const take of takes) {
      if (take.rule.algorithm !== 'concurrency') continue;
      const key = counterKey(take);
      const entry = this.#entries.get(key);
      if (entry === undefined) continue;
      entry.b -= take.cost;
      if (entry.b <= 0) this.#entries.delete(key);
    }
  }

  /** Drops every state that has expired. */
  sweep(now = this.#now()): void {
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }

  #makeRoom(needed: number, now: number): boolean {
    // A full sweep is O(n): at most one per second when the table stays full.
    if (now - this.#lastFullSweep >= 1000) {
      this.#lastFullSweep = now;
      this.sweep(now);
    }
    return this.#entries.size + needed <= this.#max;
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#entries.clear();
  }
}

/** The counter's name: the rule's namespace and the partition key. */
export function counterKey(take: Take): string {
  return `${take.rule.id}\u001f${take.key}`;
}

function refuse(state: LimitState): void {
  state.allowed = false;
  if (state.retryAfterMs < FULL_RETRY_MS) state.retryAfterMs = FULL_RETRY_MS;
}
