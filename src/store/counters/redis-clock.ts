// Redis's clock seen from this process, so that a decision can carry its deadline in Redis's time
// (redis-script.ts refuses work past it). A reply carrying Redis's time r, read at local time t, bounds
// the offset from below: r − t ≤ true offset, since the script ran before t. So local deadline + bound
// is never later in Redis than the moment the gateway gives up: a decision answered as timed out can
// never be charged afterwards. At worst the bound is low by one reply's way back, and a decision that
// reaches Redis within that last sliver of its time is refused too (the gateway would barely have got
// its answer). The best bound of the last 10-20 s is used: one slow reply does not tighten deadlines,
// and drift between the clocks is followed. Local time is performance.now() (no wall-clock jumps).

const WINDOW_MS = 10_000;

export class RedisClock {
  #current = Number.NEGATIVE_INFINITY;
  #previous = Number.NEGATIVE_INFINITY;
  #windowStart = Number.NEGATIVE_INFINITY;

  /** Redis said `redisNow` (epoch ms); the reply was read at `localNow` (performance.now()). */
  sample(redisNow: number, localNow: number): void {
    if (localNow - this.#windowStart >= WINDOW_MS) {
      this.#previous = this.#current;
      this.#current = Number.NEGATIVE_INFINITY;
      this.#windowStart = localNow;
    }
    const offset = redisNow - localNow;
    if (offset > this.#current) this.#current = offset;
  }

  /** A local (performance.now()) time as Redis epoch ms, rounded down; 0 (no deadline) before any reply. */
  toRedis(local: number): number {
    const offset = this.#current > this.#previous ? this.#current : this.#previous;
    return offset === Number.NEGATIVE_INFINITY ? 0 : Math.floor(local + offset);
  }
}
