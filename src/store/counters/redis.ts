// Counters in Redis, shared by every gateway: one EVALSHA per decision (ioredis falls back to EVAL
// when the script is not cached), keys under one hash tag so a decision's keys share a Redis Cluster
// slot, every call bounded by the timeout. The client reconnects by itself; while Redis is away
// calls fail at once (no offline queue) and the limits follow onStoreError.
import { randomBytes } from 'node:crypto';
import { Redis, Cluster } from 'ioredis';
import { withDeadline } from './deadline.ts';
import { DECIDE_LUA } from './redis-script.ts';
import { CounterStoreError, type Counters, type Decision, type LimitState, type Take } from './types.ts';

export interface RedisCountersOptions {
  readonly url: string;
  readonly timeoutMs: number;
  /** Key prefix; the hash tag `{prefix}` keeps every key of the gateway in one cluster slot. */
  readonly prefix: string;
  readonly cluster?: boolean;
}

type Decide = (numKeys: number, ...args: (string | number)[]) => Promise<number[]>;
type Client = (Redis | Cluster) & { pclDecide?: Decide };

const ALG = { gcra: 'g', 'fixed-window': 'f', 'sliding-window': 's', concurrency: 'c' } as const;
/** Calendar windows are worked out by the script, from Redis's clock; the gateway names only which. */
const CALENDAR = { day: 'd', month: 'm' } as const;

export class RedisCounters implements Counters {
  readonly kind = 'redis';
  readonly #client: Client;
  readonly #tag: string;
  readonly #leasePrefix = `${process.pid}.${randomBytes(6).toString('base64url')}.`;
  #leases = 0;
  readonly #timeoutMs: number;
  /**
   * While the first connection is being made, decisions wait for it (bounded by the timeout) instead
   * of failing at once. Once a connection attempt has failed, they fail at once like in any outage.
   */
  #connecting: Promise<void> | undefined;

  constructor(o: RedisCountersOptions) {
    const options = {
      // A backstop: calls are bounded by withDeadline; this frees ioredis's queue on a hung connection.
      commandTimeout: 2 * o.timeoutMs,
      connectTimeout: Math.max(1000, o.timeoutMs),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      enableAutoPipelining: true,
      // Reconnect for ever, backing off to one attempt a second.
      retryStrategy: (times: number) => Math.min(50 * times, 1000),
    };
    if (o.cluster) {
      const u = new URL(o.url);
      this.#client = new Cluster([{ host: u.hostname, port: Number(u.port || 6379) }], { redisOptions: { ...options, username: u.username || undefined, password: u.password || undefined }, enableOfflineQueue: false });
    } else {
      this.#client = new Redis(o.url, options);
    }
    // Errors are reported per decision (store-errors.ts); an unhandled 'error' event must not crash.
    this.#client.on('error', () => {});
    this.#client.defineCommand('pclDecide', { lua: DECIDE_LUA });
    this.#tag = `{${o.prefix}}:`;
    this.#timeoutMs = o.timeoutMs;
    this.#connecting = new Promise((resolve, reject) => {
      this.#client.once('ready', () => resolve());
      this.#client.once('error', (error: Error) => reject(error));
    });
    this.#connecting.then(
      () => (this.#connecting = undefined),
      () => (this.#connecting = undefined),
    );
  }

  /** Resolves once connected (for tests and startup checks). */
  ready(): Promise<void> {
    if (this.#client.status === 'ready') return Promise.resolve();
    return new Promise((resolve) => this.#client.once('ready', () => resolve()));
  }

  async consume(takes: readonly Take[]): Promise<Decision> {
    const lease = takes.some((t) => t.rule.algorithm === 'concurrency') ? this.#leasePrefix + this.#leases++ : '';
    const args: (string | number)[] = [];
    for (const t of takes) args.push(this.#key(t));
    args.push(lease);
    for (const t of takes) {
      const r = t.rule;
      args.push(ALG[r.algorithm], r.limit, r.periodMs, t.cost, r.calendar === undefined ? '-' : CALENDAR[r.calendar], r.leaseMs ?? 0);
    }
    let reply: number[];
    try {
      if (this.#connecting !== undefined) await this.#firstConnection();
      reply = await withDeadline(this.#client.pclDecide!(takes.length, ...args), this.#timeoutMs, () => new Error(`no answer within ${this.#timeoutMs} ms`));
    } catch (error) {
      // A decision that timed out may still run in Redis afterwards and take its concurrency slots:
      // the lease is removed behind it (same connection, so in order), or it would hold the slots
      // until the lease ran out although no request holds them.
      if (lease) this.release(takes, lease);
      throw new CounterStoreError(`Redis: ${(error as Error).message}`, { cause: error });
    }
    const states: LimitState[] = new Array(takes.length);
    for (let i = 0; i < takes.length; i++) {
      const retryAfterMs = reply[3 + i * 3]!;
      states[i] = { allowed: retryAfterMs === 0, remaining: reply[1 + i * 3]!, resetMs: reply[2 + i * 3]!, retryAfterMs };
    }
    return { allowed: reply[0] === 1, states, lease: lease || undefined };
  }

  #firstConnection(): Promise<void> {
    return withDeadline(this.#connecting!, this.#timeoutMs, () => new Error(`not connected within ${this.#timeoutMs} ms`));
  }

  release(takes: readonly Take[], lease: string | undefined): void {
    if (lease === undefined) return;
    for (const t of takes) {
      // A lost release is bounded by the lease time.
      if (t.rule.algorithm === 'concurrency') this.#client.zrem(this.#key(t), lease).catch(() => {});
    }
  }

  #key(t: Take): string {
    return `${this.#tag}${t.rule.id}\u001f${t.key}`;
  }

  async close(): Promise<void> {
    this.#client.disconnect();
  }
}
