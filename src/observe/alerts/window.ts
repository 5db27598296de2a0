// Counts per key in fixed windows, in bounded memory: at most MAX_KEYS keys (the oldest is evicted),
// each with its window start, its count, and until when it stays quiet after an alert.

const MAX_KEYS = 10_000;

interface Slot {
  start: number;
  count: number;
  quietUntil: number;
}

export class KeyedWindows {
  readonly #windowMs: number;
  readonly #slots = new Map<string, Slot>();

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** Counts one hit; returns the count in the key's current window. */
  hit(key: string, now: number): number {
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      if (this.#slots.size >= MAX_KEYS) this.#slots.delete(this.#slots.keys().next().value!);
      slot = { start: now, count: 0, quietUntil: 0 };
      this.#slots.set(key, slot);
    } else if (now - slot.start >= this.#windowMs) {
      slot.start = now;
      slot.count = 0;
    }
    return ++slot.count;
  }

  /** True (once) when the key may alert now; then quiet for `quietMs`. */
  claim(key: string, now: number, quietMs: number): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined || now < slot.quietUntil) return false;
    slot.quietUntil = now + quietMs;
    return true;
  }
}
