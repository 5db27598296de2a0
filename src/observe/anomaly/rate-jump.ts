// Sudden jumps of one caller's traffic against its own baseline: per caller, requests and errors
// (status >= 400, but not 499: a client that left) are counted per interval, and an exponentially
// weighted moving average of the per-interval request count and error ratio is the baseline. Once a
// caller has been watched for `warmup` intervals, the current interval fires when it holds at least
// `minRequests` requests and
//  - more than `rateFactor` × the baseline count (PCL_ANOMALY_RATE_JUMP), or
//  - an error ratio above both `errorFactor` × the baseline ratio and `minErrorRatio` (PCL_ANOMALY_ERROR_JUMP).
// Each at most once per caller and interval. At most MAX_TRACKED callers; the one idle longest is forgotten first.
import { toMs } from '../../config/units.ts';
import type { AnomaliesConfig } from '../alerts/schema.ts';
import { callerOf, type Detector, type Finding, type Observation } from './finding.ts';
import { MAX_TRACKED } from './id-enumeration.ts';

interface Baseline {
  /** Start of the current interval. */
  start: number;
  count: number;
  errors: number;
  /** EWMA of requests per interval, and of the error ratio (over intervals with requests). */
  rate: number;
  ratio: number;
  /** Intervals completed since the caller was first seen. */
  seen: number;
  /** Fired in the current interval: for the rate, for the error ratio. */
  rateFired: boolean;
  errorFired: boolean;
}

export class RateJump implements Detector {
  readonly #config: NonNullable<AnomaliesConfig['rateJump']>;
  readonly #intervalMs: number;
  readonly #alpha: number;
  readonly #baselines = new Map<string, Baseline>();

  constructor(config: NonNullable<AnomaliesConfig['rateJump']>) {
    this.#config = config;
    this.#intervalMs = toMs(config.interval);
    this.#alpha = config.smoothing;
  }

  wants(): boolean {
    return true;
  }

  observe(o: Observation): Finding | undefined {
    const c = this.#config;
    const now = o.time;
    const status = o.status;
    const { caller, blockKey } = callerOf(o, c.by);
    let b = this.#baselines.get(blockKey);
    if (b === undefined) {
      if (this.#baselines.size >= MAX_TRACKED) this.#baselines.delete(this.#baselines.keys().next().value!);
      b = { start: now, count: 0, errors: 0, rate: 0, ratio: 0, seen: 0, rateFired: false, errorFired: false };
      this.#baselines.set(blockKey, b);
    } else if (now - b.start >= this.#intervalMs) {
      this.#roll(b, now);
      // Most recently active last: eviction takes the caller idle longest.
      this.#baselines.delete(blockKey);
      this.#baselines.set(blockKey, b);
    }
    b.count++;
    // A client that left (499) chose to: not an error the caller met (a slow upstream would count).
    if (status >= 400 && status !== 499) b.errors++;
    if (b.seen < c.warmup || b.count < c.minRequests) return undefined;
    if (!b.rateFired && b.count > c.rateFactor * b.rate) {
      b.rateFired = true;
      return { reason: 'PCL_ANOMALY_RATE_JUMP', blockKey, details: { detector: 'rate-jump', caller, by: c.by, requests: b.count, baselineRequests: round(b.rate), rateFactor: c.rateFactor, intervalSeconds: this.#intervalMs / 1000 } };
    }
    const ratio = b.errors / b.count;
    if (!b.errorFired && ratio > c.minErrorRatio && ratio > c.errorFactor * b.ratio) {
      b.errorFired = true;
      return {
        reason: 'PCL_ANOMALY_ERROR_JUMP',
        blockKey,
        details: { detector: 'rate-jump', caller, by: c.by, requests: b.count, errors: b.errors, errorRatio: round(ratio), baselineErrorRatio: round(b.ratio), errorFactor: c.errorFactor, intervalSeconds: this.#intervalMs / 1000 },
      };
    }
    return undefined;
  }

  /** Folds the finished interval (and the empty ones since) into the baseline. */
  #roll(b: Baseline, now: number): void {
    const a = this.#alpha;
    const elapsed = Math.floor((now - b.start) / this.#intervalMs);
    if (b.seen === 0) {
      b.rate = b.count;
      b.ratio = b.count > 0 ? b.errors / b.count : 0;
    } else {
      b.rate = a * b.count + (1 - a) * b.rate;
      if (b.count > 0) b.ratio = a * (b.errors / b.count) + (1 - a) * b.ratio;
    }
    // Empty intervals pull the rate toward zero; the error ratio has nothing to learn from them.
    if (elapsed > 1) b.rate *= (1 - a) ** Math.min(elapsed - 1, 1000);
    b.seen += elapsed;
    b.start += elapsed * this.#intervalMs;
    b.count = 0;
    b.errors = 0;
    b.rateFired = false;
    b.errorFired = false;
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
