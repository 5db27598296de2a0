// A bounded map with per-entry expiry: when full, a recently used entry gets a second chance (CLOCK,
// an approximation of LRU whose hits cost one Map lookup and a flag write: no reordering), and an
// entry is never returned after its expiry. Used for verified tokens, API key lookups, counters.
interface Entry<V> {
  value: V;
  expiresAt: number;
  used: boolean;
}

const EXPIRY_LOOKAHEAD = 64;

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

  /**
   * Like set(), but never evicts an entry before its expiry: when the map is full of live entries,
   * nothing is stored and false is returned. For sets whose forgetting is a security failure (seen
   * nonces: a forgotten one could be replayed).
   */
  setIfRoom(key: string, value: V, expiresAt: number, now = Date.now()): boolean {
    if (!this.#map.has(key) && this.#map.size >= this.#max) {
      this.#dropExpired(now);
      if (this.#map.size >= this.#max) return false;
    }
    this.set(key, value, expiresAt);
    return true;
  }

  /**
   * Drops expired entries among the oldest EXPIRY_LOOKAHEAD ones: entries are added about in the order
   * they expire, so that finds them, and a full map of live ones costs a few looks, not a scan (a
   * flood of requests while full must stay cheap to refuse).
   */
  #dropExpired(now: number): void {
    let looked = 0;
    for (const [key, entry] of this.#map) {
      if (now >= entry.expiresAt) this.#map.delete(key);
      if (++looked >= EXPIRY_LOOKAHEAD) return;
    }
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
