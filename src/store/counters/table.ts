// The in-process counters of one limit: partition key → state, at most `max` of them, so a flood of
// new keys (header values, IPv6 /64s, callers before authentication) can only crowd this limit.
// When the table is full:
// - a rate limit (`evict`) drops its least recently used key, approximated by second chance: from the
//   oldest insertion on, an expired state goes, one read since it was last passed over moves to the
//   back (a key that keeps calling, even refused, stays), the first other one is evicted. After
//   SECOND_CHANCES moves the candidate goes anyway, so one eviction never walks the table (every key
//   read since the hand last passed used to move all of them, 0.8-2.4 s on 1,000,000 keys). The
//   evicted key starts afresh if it comes back: a flood can reset the budget of keys idle for longest,
//   never refuse new callers, and gains nothing a key-minting attacker does not already have.
// - other counters refuse new keys until states expire (a slice of their sweep at most every
//   FULL_EVERY_MS): replay nonces must not be forgotten, and a concurrency slot in flight is a real request.
// Sweeps go by slices from a cursor that persists between calls, so no call walks the whole table.
import type { Entry } from './algorithms.ts';

/** Evictions at most per decision (a table over max after a reload shrinks by several keys a decision). */
const EVICT_STEP = 8;
/** Keys moved back at most per eviction before the candidate is evicted, read or not. */
const SECOND_CHANCES = 32;
/** A full table that does not evict sweeps this many states at most per decision, at most every FULL_EVERY_MS. */
const FULL_SLICE = 10_000;
const FULL_EVERY_MS = 10;

export interface Stored extends Entry {
  /** Read since the eviction pass last went by. */
  used: boolean;
}

/** Shared by the tables of one store. */
export interface TableStats {
  /** New keys refused because a table that does not evict was full of live states. */
  overflows: number;
  /** Live states evicted to make room. */
  evictions: number;
  /** States kept, over every table. */
  keys: number;
}

export class CounterTable {
  readonly #map = new Map<string, Stored>();
  readonly #stats: TableStats;
  #lastSlice = Number.NEGATIVE_INFINITY;
  /**
   * Where the eviction pass stands (second chance), oldest insertion first. Made when first needed:
   * an iterator that does not move keeps the map's outgrown backing stores alive.
   */
  #hand: MapIterator<[string, Stored]> | undefined;
  /** Where the sweep stands; undefined between passes (for the same reason). */
  #cursor: MapIterator<[string, Stored]> | undefined;
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
    const before = this.#map.size;
    this.#map.set(key, entry);
    this.#stats.keys += this.#map.size - before;
  }

  delete(key: string): void {
    if (this.#map.delete(key)) this.#stats.keys--;
  }

  /** Makes room for `needed` new keys; false when they would not fit (the decision is refused). */
  makeRoom(needed: number, now: number): boolean {
    if (this.#map.size + needed <= this.max) return true;
    if (!this.evict) {
      // Bounded work per decision, and per second while the table stays full (10,000 states / 10 ms
      // walks a full table of 1,000,000 once a second, as the full sweep this replaced did).
      if (now - this.#lastSlice >= FULL_EVERY_MS) {
        this.#lastSlice = now;
        const walked = this.sweep(now, FULL_SLICE);
        // The slice ended a pass: it goes on from the first state (a small table is walked whole).
        if (walked < FULL_SLICE) this.sweep(now, FULL_SLICE - walked);
      }
      return this.#map.size + needed <= this.max;
    }
    // Bounded work per decision: after a reload that lowered max, the sweeps trim the rest.
    for (let i = 0; i < EVICT_STEP && this.#map.size + needed > this.max && this.#map.size > 0; i++) this.evictOne(now);
    return true;
  }

  /**
   * One slice of the sweep: evicts the least recently used states beyond `max` (rate limits), then
   * drops expired states, going on from where the last slice stopped, `budget` states at most.
   * Returns the states walked: fewer than `budget` once the pass is over (the next call starts one).
   */
  sweep(now: number, budget: number): number {
    let walked = 0;
    while (this.evict && this.#map.size > this.max && walked < budget) walked += this.evictOne(now);
    const cursor = (this.#cursor ??= this.#map.entries());
    while (walked < budget) {
      const step = cursor.next();
      if (step.done) {
        this.#cursor = undefined;
        return walked;
      }
      walked++;
      const [key, entry] = step.value;
      if (entry.expiresAt <= now) {
        this.#map.delete(key);
        this.#stats.keys--;
      }
    }
    return walked;
  }

  /** The next sweep starts a pass from the first state. */
  rewind(): void {
    this.#cursor = undefined;
  }

  /** Drops one state, an expired or the least recently used one; returns the states looked at. */
  evictOne(now: number): number {
    // The hand goes on from where it stopped (a fresh iterator would first step over every slot
    // deleted since the map last compacted).
    for (let looked = 1; ; looked++) {
      let step = this.#hand?.next();
      if (step === undefined || step.done) step = (this.#hand = this.#map.entries()).next();
      if (step.done) return looked;
      const [key, entry] = step.value;
      if (entry.used && entry.expiresAt > now && looked <= SECOND_CHANCES) {
        entry.used = false;
        this.#map.delete(key);
        this.#map.set(key, entry);
        continue;
      }
      this.#map.delete(key);
      this.#stats.keys--;
      if (entry.expiresAt > now) this.#stats.evictions++;
      return looked;
    }
  }
}
