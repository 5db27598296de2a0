// One circuit: closed (calls pass, consecutive failures counted) → open after `failures` of them
// (calls refused for `openForMs`) → half-open (up to `probes` calls at once; the first outcome decides:
// success closes, failure opens again). Also counts calls in flight for the concurrency cap.
//
// Every change of state starts a new phase. A call's outcome counts only in the phase that admitted
// it: calls sent before the circuit opened that time out one by one afterwards would otherwise open it
// again and again (pushing the end of openFor forward), and a probe that fails after another probe
// closed the circuit would open it again. A half-open circuit whose probes have all been out for
// `probeTimeoutMs` without an outcome counts that as a failure (open again), rather than refusing
// every other call for as long as the upstream's own timeouts allow.
export interface BreakerOptions {
  readonly failures: number;
  readonly openForMs: number;
  readonly probes: number;
  readonly maxConcurrent: number;
  readonly probeTimeoutMs: number;
}

export type Admission = 'pass' | 'probe' | 'open' | 'busy';

export class Breaker {
  readonly #o: BreakerOptions;
  #failures = 0;
  #openUntil = 0;
  #halfOpen = false;
  #probing = 0;
  /** When the last probe of this half-open phase was let through. */
  #probedAt = 0;
  /** The current phase: the outcomes of calls admitted in an earlier one are ignored. */
  phase = 0;
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

  /** Admits a call or not; an admitted call reports its outcome with the `phase` read now. */
  admit(now: number): Admission {
    if (this.#openUntil !== 0) {
      if (now < this.#openUntil) return 'open';
      this.#openUntil = 0;
      this.#halfOpen = true;
      this.#probing = 0;
      this.phase++;
    }
    if (this.inFlight >= this.#o.maxConcurrent) return 'busy';
    if (this.#halfOpen) {
      if (this.#probing >= this.#o.probes) {
        if (now - this.#probedAt >= this.#o.probeTimeoutMs) this.#open(now);
        return 'open';
      }
      this.#probing++;
      this.#probedAt = now;
      this.inFlight++;
      return 'probe';
    }
    this.inFlight++;
    return 'pass';
  }

  /** The outcome of a call admitted in `phase`; `failed` undefined when it ended without one (client went away). */
  done(admission: Admission, phase: number, failed: boolean | undefined, now: number): void {
    this.inFlight--;
    if (phase !== this.phase) return;
    if (admission === 'probe') this.#probing--;
    if (failed === undefined) return;
    if (!failed) {
      this.#failures = 0;
      if (admission === 'probe') {
        this.#halfOpen = false;
        this.phase++;
      }
      return;
    }
    if (admission === 'probe' || ++this.#failures >= this.#o.failures) this.#open(now);
  }

  #open(now: number): void {
    this.#openUntil = now + this.#o.openForMs;
    this.#halfOpen = false;
    this.#failures = 0;
    this.phase++;
  }
}
