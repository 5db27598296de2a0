// A bounded map with per-entry expiry: the least recently used entry goes first when full, and an
// entry is never returned after its expiry. Used for verified tokens, API key lookups, counters.
export class ExpiringLru<V> {
  readonly #max: number;
  readonly #map = new Map<string, { value: V; expiresAt: number }>();

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
    // Move to the back: most recently used.
    this.#map.delete(key);
    this.#map.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, expiresAt: number): void {
    this.#map.delete(key);
    if (this.#map.size >= this.#max) this.#map.delete(this.#map.keys().next().value!);
    this.#map.set(key, { value, expiresAt });
  }

  delete(key: string): void {
    this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }
}
