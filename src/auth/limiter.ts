// Brute-force protection: failed authentication attempts counted per client address (an IPv6 client
// by its /64 network: the caller passes clientKey(), observe/anomaly/subnet.ts) (or per
// credential id) in fixed windows; past the limit the address (credential) is locked out for a while (every credential refused, so the
// lockout is no oracle). In-process and bounded: the oldest entries go when the table is full.
// Across worker processes each counts on its own (the Redis-backed counters of the limit phase
// will make this exact).
import { ExpiringLru } from './lru.ts';

export interface LimiterOptions {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly lockoutMs: number;
  readonly maxEntries: number;
}

interface Entry {
  failures: number;
  windowEnds: number;
  lockedUntil: number;
}

export class FailureLimiter {
  readonly #options: LimiterOptions;
  readonly #entries: ExpiringLru<Entry>;
  /** Latest end of any lockout started: before it, some key may be locked (cheap pre-check). */
  #anyLockUntil = 0;

  constructor(options: LimiterOptions) {
    this.#options = options;
    this.#entries = new ExpiringLru(options.maxEntries);
  }

  /** Whether some key may be locked out now (false: no lookup needed). */
  mayBeLocked(now = Date.now()): boolean {
    return now < this.#anyLockUntil;
  }

  /** Milliseconds until the address may try again; 0 when it is not locked out. */
  lockedFor(address: string, now = Date.now()): number {
    const e = this.#entries.get(address, now);
    return e === undefined || e.lockedUntil <= now ? 0 : e.lockedUntil - now;
  }

  /** Counts a failure; returns true when this failure starts a lockout. */
  fail(address: string, now = Date.now()): boolean {
    const o = this.#options;
    let e = this.#entries.get(address, now);
    if (e === undefined || (e.windowEnds <= now && e.lockedUntil <= now)) {
      e = { failures: 0, windowEnds: now + o.windowMs, lockedUntil: 0 };
    }
    e.failures++;
    let started = false;
    if (e.failures >= o.maxFailures && e.lockedUntil <= now) {
      e.lockedUntil = now + o.lockoutMs;
      this.#anyLockUntil = Math.max(this.#anyLockUntil, e.lockedUntil);
      e.failures = 0;
      e.windowEnds = e.lockedUntil;
      started = true;
    }
    this.#entries.set(address, e, Math.max(e.windowEnds, e.lockedUntil));
    return started;
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
