// Counters: the state behind rate limits, quotas and concurrency limits. One decision checks every
// limit of a request and consumes from all of them only when all allow (atomic check-and-consume:
// a refused request never uses up quota). Implementations: in-process (memory.ts), the primary of a
// `serve --workers N` cluster over IPC (ipc-client.ts), Redis with one Lua script per decision (redis.ts).

export type Algorithm = 'gcra' | 'sliding-window' | 'fixed-window' | 'concurrency';
export type Calendar = 'day' | 'month';

/** One limit, compiled: what it counts and how much it allows. Plain data (sent over IPC as is). */
export interface Rule {
  /** Unique namespace of the limit's counters (scope, name, algorithm, tier). */
  readonly id: string;
  readonly algorithm: Algorithm;
  /** gcra: burst (bucket capacity); windows: units per window; concurrency: requests in flight. */
  readonly limit: number;
  /** gcra: milliseconds to earn one unit; windows: window length (0 for calendar windows). */
  readonly periodMs: number;
  /** fixed-window only: UTC calendar windows instead of fixed-length ones. */
  readonly calendar?: Calendar | undefined;
  /** concurrency only: a slot not released (nor renewed) within this time is freed anyway (a crashed holder). */
  readonly leaseMs?: number | undefined;
  /**
   * In-process tables: when the limit's table is full, evict its least recently used key (which then
   * starts afresh) rather than refuse new keys. Rate limits set it; what must not forget does not
   * (replay nonces); concurrency slots in flight are never evicted.
   */
  readonly evict?: boolean | undefined;
}

/** One limit applied to one request. */
export interface Take {
  readonly rule: Rule;
  /** The partition (consumer, address...) already joined into one bounded string. */
  readonly key: string;
  readonly cost: number;
}

export interface LimitState {
  /** Units left after this decision (before it, when refused). */
  remaining: number;
  /** Milliseconds until the limit is fully available again (window end, bucket full). */
  resetMs: number;
  /** Refused: milliseconds until the same request could be admitted (0 when allowed). */
  retryAfterMs: number;
  allowed: boolean;
}

export interface Decision {
  readonly allowed: boolean;
  /** One per take, in the same order. */
  readonly states: LimitState[];
  /** Concurrency leases to release when the request ends (Redis members), when any. */
  readonly lease?: string | undefined;
}

export interface Counters {
  readonly kind: 'memory' | 'ipc' | 'redis';
  /**
   * Synchronous in-process; a promise for remote stores, rejected on store errors and timeouts.
   * `maxKeys`: the bound of each in-process table (one per limit) a new key lands in, the caller's
   * `store.maxKeys` (in-process and cluster primary; Redis has none).
   */
  consume(takes: readonly Take[], maxKeys?: number): Decision | Promise<Decision>;
  /** Ends the request's concurrency slots (takes of other algorithms are ignored). */
  release(takes: readonly Take[], lease: string | undefined): void;
  close(): Promise<void>;
}

/** Thrown (or rejected with) when a remote store cannot answer in time; limits follow onStoreError. */
export class CounterStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CounterStoreError';
  }
}
