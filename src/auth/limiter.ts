// Brute-force protection: failed authentication attempts counted per client address (an IPv6 client
// by its /64 network: the caller passes clientKey(), observe/anomaly/subnet.ts) (or per
// credential id) in fixed windows; past the limit the address (credential) is locked out for a while (every credential refused, so the
// lockout is no oracle). In-process and bounded, in two tables of `maxEntries` each: failure counts,
// of which the least recently used go first when the table is full; and lockouts in force, which
// are never dropped before they end (or failures from many other addresses could flush a lockout
// and let its client guess again). When every lockout slot is taken, a client reaching the limit is
// not locked out (fail returns 'full') until one ends: refusing every new client instead would let
// whoever fills the table lock everybody out.
// Across worker processes each counts on its own (the Redis-backed counters of the limit phase
// will make this exact).
import { ExpiringLru } from './lru.ts';

export interface LimiterOptions {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly lockoutMs: number;
  readonly maxEntries: number;
}

/** What a failure did: counted, started a lockout, or would have but the lockout table is full. */
export type FailOutcome = 'counted' | 'locked' | 'full';

interface Entry {
  failures: number;
  windowEnds: number;
}

export class FailureLimiter {
  readonly #options: LimiterOptions;
  readonly #counts: ExpiringLru<Entry>;
  /** End of each lockout in force, in the order they were set: every lockout lasts lockoutMs, so also the order they end. */
  readonly #locked = new Map<string, number>();
  /** Latest end of any lockout started: before it, some key may be locked (cheap pre-check). */
  #anyLockUntil = 0;

  constructor(options: LimiterOptions) {
    this.#options = options;
    this.#counts = new ExpiringLru(options.maxEntries);
  }

  /** Whether some key may be locked out now (false: no lookup needed). */
  mayBeLocked(now = Date.now()): boolean {
    return now < this.#anyLockUntil;
  }

  /** Milliseconds until the address may try again; 0 when it is not locked out. */
  lockedFor(address: string, now = Date.now()): number {
    const until = this.#locked.get(address);
    if (until === undefined) return 0;
    if (until > now) return until - now;
    this.#locked.delete(address);
    return 0;
  }

  /** Counts a failure; a failure that reaches the limit starts a lockout when there is room for it. */
  fail(address: string, now = Date.now()): FailOutcome {
    const o = this.#options;
    if (this.lockedFor(address, now) > 0) return 'counted'; // a request that was in flight when the lockout began
    let e = this.#counts.get(address, now);
    if (e === undefined || e.windowEnds <= now) e = { failures: 0, windowEnds: now + o.windowMs };
    e.failures++;
    if (e.failures >= o.maxFailures && this.#roomForLockout(now)) {
      this.#counts.delete(address);
      const until = now + o.lockoutMs;
      this.#locked.set(address, until);
      this.#anyLockUntil = Math.max(this.#anyLockUntil, until);
      return 'locked';
    }
    // Full: the count stays at the limit, so the next failure locks as soon as a lockout has ended.
    this.#counts.set(address, e, e.windowEnds);
    return e.failures >= o.maxFailures ? 'full' : 'counted';
  }

  /** Drops the lockouts that have ended (the oldest come first: a few looks, never a scan of live ones). */
  #roomForLockout(now: number): boolean {
    for (const [key, until] of this.#locked) {
      if (until > now) break;
      this.#locked.delete(key);
    }
    return this.#locked.size < this.#options.maxEntries;
  }
}

const shared = new Map<string, FailureLimiter>();

/** One limiter per kind and setting for the whole process, so every API and operation counts together. */
export function sharedLimiter(options: LimiterOptions, kind: 'address' | 'credential' = 'address'): FailureLimiter {
  const key = `${kind}/${options.maxFailures}/${options.windowMs}/${options.lockoutMs}/${options.maxEntries}`;
  let limiter = shared.get(key);
  if (!limiter) shared.set(key, (limiter = new FailureLimiter(options)));
  return limiter;
}
