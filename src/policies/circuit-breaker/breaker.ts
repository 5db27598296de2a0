// One circuit: closed (calls pass, consecutive failures counted) → open after `failures` of them
// (calls refused for `openForMs`) → half-open (up to `probes` calls at once; the first outcome decides:
// success closes, failure opens again). Also counts calls in flight for the concurrency cap.
export interface BreakerOptions {
  readonly failures: number;
  readonly openForMs: number;
  readonly probes: number;
  readonly maxConcurrent: number;
}

export type Admission = 'pass' | 'probe' | 'open' | 'busy';

export class Breaker {
  readonly #o: BreakerOptions;
  #failures = 0;
  #openUntil = 0;
  #halfOpen = false;
  #probing = 0;
  inFlight = 0;

  constructor(options: BreakerOptions) {
    this.#o = options;
  }

  get state(): 'closed' | 'open' | 'half-open' {
    return this.#openUntil === 0 && !this.#halfOpen ? 'closed' : this.#halfOpen ? 'half-open' : 'open';
  }

  /** Milliseconds until probes are let through (0 when not open). */
  retryAfterMs(now: number): number {
    return this.#openUntil > now ? this.#openUntil - now : 0;
  }

  admit(now: number): Admission {
    if (this.#openUntil !== 0) {
      if (now < this.#openUntil) return 'open';
      this.#openUntil = 0;
      this.#halfOpen = true;
    }
    if (this.inFlight >= this.#o.maxConcurrent) return 'busy';
    if (this.#halfOpen) {
      if (this.#probing >= this.#o.probes) return 'open';
      this.#probing++;
      this.inFlight++;
      return 'probe';
    }
    this.inFlight++;
    return 'pass';
  }

  /** The outcome of an admitted call; `undefined` when it ended without one (client went away). */
  done(admission: Admission, failed: boolean | undefined, now: number): void {
    this.inFlight--;
    if (admission === 'probe') this.#probing--;
    if (failed === undefined) return;
    if (!failed) {
      this.#failures = 0;
      if (admission === 'probe') this.#halfOpen = false;
      return;
    }
    if (admission === 'probe' || (!this.#halfOpen && ++this.#failures >= this.#o.failures)) this.#open(now);
  }

  #open(now: number): void {
    this.#openUntil = now + this.#o.openForMs;
    this.#halfOpen = false;
    this.#failures = 0;
  }
}
