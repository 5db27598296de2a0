// The in-process counters of one limit: partition key → state, at most `max` of them, so a flood of
// new keys (header values, IPv6 /64s, callers before authentication) can only crowd this limit.
// When the table is full:
// - a rate limit (`evict`) drops its least recently used key, approximated by second chance: from the
//   oldest insertion on, an expired state goes, one read since it was last passed over moves to the
//   back once (a key that keeps calling, even refused, stays), the first other one is evicted. The
//   evicted key starts afresh if it comes back: a flood can reset the budget of keys idle for longest,
//   never refuse new callers, and gains nothing a key-minting attacker does not already have.
// - other counters refuse new keys until states expire (a full sweep at most once a second): replay
//   nonces must not be forgotten, and a concurrency slot in flight is a real request.
import type { Entry } from './algorithms.ts';

/** Evictions at most per decision (a table over max after a reload shrinks by several keys a decision). */
const EVICT_STEP = 8;
/** Evictions at most per background sweep (tens of ms at most). */
const TRIM_STEP = 10_000;

export interface Stored extends Entry {
  /** Read since the eviction pass last went by. */
  used: boolean;
}

export interface TableStats {
  /** New keys refused because a table that does not evict was full of live states. */
  overflows: number;
  /** Live states evicted to make room. */
  evictions: number;
}

export class CounterTable {
  readonly #map = new Map<string, Stored>();
  readonly #stats: TableStats;
  #lastFullSweep = Number.NEGATIVE_INFINITY;
  /**
   * Where the eviction pass stands (second chance), oldest insertion first. Made when first needed:
   * an iterator that does not move keeps the map's outgrown backing stores alive.
   */
  #hand: MapIterator<[string, Stored]> | undefined;
  /** Set by each decision: a reload that changes store.maxKeys applies at once. */
  max: number;
  evict: boolean;

  constructor(max: number, evict: boolean, stats: TableStats) {
    this.max = max;
    this.evict = evict;
    this.#stats = stats;
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: string): Stored | undefined {
    const entry = this.#map.get(key);
    if (entry !== undefined) entry.used = true;
    return entry;
  }

  set(key: string, entry: Stored): void {
    this.#map.set(key, entry);
  }

  delete(key: string): void {
    this.#map.delete(key);
  }

  /** Makes room for `needed` new keys; false when they would not fit (the decision is refused). */
  makeRoom(needed: number, now: number): boolean {
    if (this.#map.size + needed <= this.max) return true;
    if (!this.evict) {
      // A full sweep is O(n): at most one per second when the table stays full.
      if (now - this.#lastFullSweep >= 1000) {
        this.#lastFullSweep = now;
        this.sweep(now);
      }
      return this.#map.size + needed <= this.max;
    }
    // Bounded work per decision: after a reload that lowered max, the sweeps trim the rest.
    for (let i = 0; i < EVICT_STEP && this.#map.size + needed > this.max && this.#map.size > 0; i++) this.#evictOne(now);
    return true;
  }

  /** Drops every expired state, and (up to TRIM_STEP) the least recently used ones beyond `max`. */
  sweep(now: number): void {
    for (const [key, entry] of this.#map) if (entry.expiresAt <= now) this.#map.delete(key);
    for (let i = 0; this.evict && i < TRIM_STEP && this.#map.size > this.max; i++) this.#evictOne(now);
  }

  #evictOne(now: number): void {
    // The hand goes on from where it stopped (a fresh iterator would first step over every slot
    // deleted since the map last compacted). Ends: each state moves back at most once (its mark
    // cleared), then the hand meets it again.
    for (;;) {
      let step = this.#hand?.next();
      if (step === undefined || step.done) step = (this.#hand = this.#map.entries()).next();
      if (step.done) return;
      const [key, entry] = step.value;
      if (entry.expiresAt <= now) {
        this.#map.delete(key);
        return;
      }
      if (entry.used) {
        entry.used = false;
        this.#map.delete(key);
        this.#map.set(key, entry);
        continue;
      }
      this.#map.delete(key);
      this.#stats.evictions++;
      return;
    }
  }
}
