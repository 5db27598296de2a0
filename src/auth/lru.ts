// A bounded map with per-entry expiry: when full, a recently used entry gets a second chance (CLOCK,
// an approximation of LRU whose hits cost one Map lookup and a flag write: no reordering), and an
// entry is never returned after its expiry. Used for verified tokens, API key lookups, counters.
interface Entry<V> {
  value: V;
  expiresAt: number;
  used: boolean;
}

export class ExpiringLru<V> {
  readonly #max: number;
  readonly #map = new Map<string, Entry<V>>();

  constructor(maxEntries: number) {
    if (!(maxEntries >= 1)) throw new Error('maxEntries must be at least 1');
    this.#max = maxEntries;
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: string, now = Date.now()): V | undefined {
    const entry = this.#map.get(key);
    if (entry === undefined) return undefined;
    if (now >= entry.expiresAt) {
      this.#map.delete(key);
      return undefined;
    }
    entry.used = true;
    return entry.value;
  }

  set(key: string, value: V, expiresAt: number): void {
    const existing = this.#map.get(key);
    if (existing !== undefined) {
      existing.value = value;
      existing.expiresAt = expiresAt;
      existing.used = true;
      return;
    }
    if (this.#map.size >= this.#max) this.#evictOne();
    this.#map.set(key, { value, expiresAt, used: false });
  }

  delete(key: string): void {
    this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }

  /** Drops the oldest entry not used since it was last passed over; used ones move to the back. */
  #evictOne(): void {
    const now = Date.now();
    for (let scanned = 0; scanned <= this.#map.size; scanned++) {
      const first = this.#map.entries().next().value;
      if (first === undefined) return;
      const [key, entry] = first;
      this.#map.delete(key);
      if (!entry.used || now >= entry.expiresAt) return;
      entry.used = false;
      this.#map.set(key, entry);
    }
  }
}
