// Redis's clock seen from this process, so that a decision can carry its deadline in Redis's time
// (redis-script.ts refuses work past it). A reply carrying Redis's time r, to a command sent at local
// time s and read at t, bounds the offset on both sides: r − t ≤ true offset ≤ r + 1 − s, since the
// script ran in between (+ 1: r is rounded down). Deadlines use the lower bound, so local deadline +
// bound is never later in Redis than the moment the gateway gives up: a decision answered as timed
// out can never be charged afterwards. At worst the bound is low by one reply's way back, and a
// decision that reaches Redis within that last sliver of its time is refused too (the gateway would
// barely have got its answer). The best bound of the last 10-20 s is used: one slow reply does not
// tighten deadlines, and drift between the clocks is followed. That holds while Redis's clock does not
// step back: a reply whose upper bound is below the best lower bound proves it did (a clock step, or a
// failover to a node whose clock is behind), and what was learnt is dropped for that reply's bound.
// redis.ts also starts afresh on each connection, from a sample taken before any decision is sent.
// Local time is performance.now() (no wall-clock jumps).

const WINDOW_MS = 10_000;

export class RedisClock {
  #current = Number.NEGATIVE_INFINITY;
  #previous = Number.NEGATIVE_INFINITY;
  #windowStart = Number.NEGATIVE_INFINITY;

  /**
   * Redis said `redisNow` (epoch ms, rounded down) in reply to a command sent at `sentAt` and read at
   * `readAt` (performance.now()).
   */
  sample(redisNow: number, sentAt: number, readAt: number): void {
    if (redisNow + 1 - sentAt < this.#best()) this.reset();
    if (readAt - this.#windowStart >= WINDOW_MS) {
      this.#previous = this.#current;
      this.#current = Number.NEGATIVE_INFINITY;
      this.#windowStart = readAt;
    }
    const offset = redisNow - readAt;
    if (offset > this.#current) this.#current = offset;
  }

  /** Forgets every sample (a new connection, perhaps to another node). */
  reset(): void {
    this.#current = this.#previous = this.#windowStart = Number.NEGATIVE_INFINITY;
  }

  /** A sample was taken since the last reset. */
  get known(): boolean {
    return this.#best() !== Number.NEGATIVE_INFINITY;
  }

  /** A local (performance.now()) time as Redis epoch ms, rounded down; 0 (no deadline) before any reply. */
  toRedis(local: number): number {
    const offset = this.#best();
    return offset === Number.NEGATIVE_INFINITY ? 0 : Math.floor(local + offset);
  }

  #best(): number {
    return this.#current > this.#previous ? this.#current : this.#previous;
  }
}
