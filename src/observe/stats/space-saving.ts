// Top-k heavy hitters in bounded memory (Metwally et al., "space-saving"): at most `capacity` keys;
// a new key replaces the smallest one and inherits its count as an over-estimate (kept as `error`).
// Every key whose true count exceeds total/capacity is guaranteed to be in the table.
// Finding the smallest is amortized O(1): one scan collects every key at the minimum count, and
// the next replacements take from that pool (entries counted up since then are skipped).

export interface TopEntry {
  readonly key: string;
  /** Upper bound of the true count. */
  readonly count: number;
  /** How much of `count` may be over-estimate (true count ≥ count - error). */
  readonly error: number;
}

export class SpaceSaving {
  readonly capacity: number;
  readonly #counts = new Map<string, number>();
  readonly #errors = new Map<string, number>();
  #pool: string[] = [];
  #poolMin = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  add(key: string, n = 1): void {
    const current = this.#counts.get(key);
    if (current !== undefined) {
      this.#counts.set(key, current + n);
      return;
    }
    if (this.#counts.size < this.capacity) {
      this.#counts.set(key, n);
      return;
    }
    const minKey = this.#takeMin();
    const min = this.#poolMin;
    this.#counts.delete(minKey);
    this.#errors.delete(minKey);
    this.#counts.set(key, min + n);
    this.#errors.set(key, min);
  }

  /** A key with the smallest count (the pool is refilled by one scan when it runs dry). */
  #takeMin(): string {
    for (;;) {
      const key = this.#pool.pop();
      if (key !== undefined && this.#counts.get(key) === this.#poolMin) return key;
      if (key === undefined) this.#refill();
    }
  }

  #refill(): void {
    let min = Infinity;
    for (const c of this.#counts.values()) if (c < min) min = c;
    this.#poolMin = min;
    this.#pool = [];
    for (const [k, c] of this.#counts) if (c === min) this.#pool.push(k);
  }

  entries(): TopEntry[] {
    return [...this.#counts].map(([key, count]) => ({ key, count, error: this.#errors.get(key) ?? 0 }));
  }

  /** The `k` largest, largest first. */
  top(k: number): TopEntry[] {
    return this.entries().sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1)).slice(0, k);
  }

  /** Folds another sketch's entries in (cluster workers, rotating windows). */
  merge(entries: readonly TopEntry[]): void {
    for (const e of entries) {
      this.add(e.key, e.count);
      if (e.error) this.#errors.set(e.key, (this.#errors.get(e.key) ?? 0) + e.error);
    }
  }
}
