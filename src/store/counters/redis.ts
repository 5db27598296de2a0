// Counters in Redis, shared by every gateway: one EVALSHA per decision (ioredis falls back to EVAL
// when the script is not cached), keys under one hash tag so a decision's keys share a Redis Cluster
// slot, every call bounded by the timeout. The client reconnects by itself; while Redis is away
// calls fail at once (no offline queue) and the limits follow onStoreError.
//
// A hung Redis must neither grow memory nor charge later: commands waiting for an answer are capped
// (beyond maxPending a decision fails at once, unsent); a decision that times out drops the connection,
// which fails ioredis's queue instead of keeping it for when Redis resumes; and each decision carries
// its deadline in Redis's time (redis-clock.ts), past which the script writes nothing. A decision whose
// connection broke under it may still run until that deadline, so its failure is reported only then.
// Each connection reads Redis's clock before it takes decisions (one sent earlier would carry no
// deadline, or one learnt from another node): the first one waits for that reading within the
// timeout, later ones fail at once until it is in.
import { randomBytes } from 'node:crypto';
import { Redis, Cluster, ReplyError } from 'ioredis';
import { withDeadline } from './deadline.ts';
import { RedisClock } from './redis-clock.ts';
import { RedisLeases } from './redis-leases.ts';
import { CLOCK_LUA, DECIDE_LUA, RELEASE_LUA, RENEW_LUA } from './redis-script.ts';
import { CounterStoreError, type Counters, type Decision, type LimitState, type Take } from './types.ts';

export interface RedisCountersOptions {
  readonly url: string;
  readonly timeoutMs: number;
  /** Key prefix; the hash tag `{prefix}` keeps every key of the gateway in one cluster slot. */
  readonly prefix: string;
  readonly cluster?: boolean;
  /** Commands waiting for Redis at most (default MAX_PENDING); beyond it decisions fail at once. */
  readonly maxPending?: number;
}

type Script = (numKeys: number, ...args: (string | number)[]) => Promise<unknown>;
type Client = (Redis | Cluster) & { pclDecide?: Script; pclClock?: (key: string) => Promise<unknown>; pclRenew?: Script; pclRelease?: Script };

const ALG = { gcra: 'g', 'fixed-window': 'f', 'sliding-window': 's', concurrency: 'c' } as const;
/** Calendar windows are worked out by the script, from Redis's clock; the gateway names only which. */
const CALENDAR = { day: 'd', month: 'm' } as const;
/**
 * Far above a healthy backlog (decisions/s × round trip: 100,000/s × 2 ms = 200), and ~20 MB of
 * requests waiting at the ~4.5 KiB each measured while Redis hung.
 */
const MAX_PENDING = 4096;
const EXPIRED = -1;

export class RedisCounters implements Counters {
  readonly kind = 'redis';
  readonly #client: Client;
  readonly #tag: string;
  readonly #leasePrefix = `${process.pid}.${randomBytes(6).toString('base64url')}.`;
  #leaseCount = 0;
  readonly #timeoutMs: number;
  readonly #maxPending: number;
  /** Commands given to ioredis and not settled yet (answered, failed, or flushed with a dropped connection). */
  #pending = 0;
  readonly #clock = new RedisClock();
  readonly #leases: RedisLeases;
  /** The connection is being dropped (#stalled): nothing more is sent on it. */
  #dropping = false;
  /** Counts connections made: a clock reading answered on an earlier one is ignored. */
  #generation = 0;
  /**
   * While the first connection is being made (and its clock read), decisions wait for it (bounded by
   * the timeout) instead of failing at once. Once that has failed, they fail at once like in any outage.
   */
  #connecting: Promise<void> | undefined;
  #settleFirst: ((error?: Error) => void) | undefined;
  /** ready() callers waiting for a connection with its clock read. */
  readonly #waiting: (() => void)[] = [];

  constructor(o: RedisCountersOptions) {
    const options = {
      // A backstop for commands sent without a deadline of ours (renewals, releases).
      commandTimeout: 2 * o.timeoutMs,
      connectTimeout: Math.max(1000, o.timeoutMs),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // A command cut off by a dropped connection is failed, never sent again on the next one; and a
      // connection dropped because Redis hangs is destroyed at once, not after waiting for its FIN.
      autoResendUnfulfilledCommands: false,
      disconnectTimeout: 0,
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
    this.#client.defineCommand('pclClock', { lua: CLOCK_LUA, numberOfKeys: 1 });
    this.#client.defineCommand('pclRenew', { lua: RENEW_LUA });
    this.#client.defineCommand('pclRelease', { lua: RELEASE_LUA });
    this.#tag = `{${o.prefix}}:`;
    this.#timeoutMs = o.timeoutMs;
    this.#maxPending = o.maxPending ?? MAX_PENDING;
    this.#leases = new RedisLeases({
      release: (keys, members) => this.#send(() => this.#client.pclRelease!(keys.length, ...keys, ...members)),
      renew: (keys, args) => this.#send(() => this.#client.pclRenew!(keys.length, ...keys, ...args)),
      ready: () => this.#connected(),
    });
    this.#client.on('ready', () => this.#onReady());
    this.#connecting = new Promise((resolve, reject) => {
      this.#settleFirst = (error) => (error === undefined ? resolve() : reject(error));
      this.#client.once('error', (error: Error) => this.#settleFirst?.(error));
    });
    const settled = () => {
      this.#connecting = undefined;
      this.#settleFirst = undefined;
    };
    this.#connecting.then(settled, settled);
  }

  /** Resolves once connected, Redis's clock read (for tests and startup checks). */
  ready(): Promise<void> {
    if (this.#usable()) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Commands waiting for Redis, and the lease bookkeeping (tests, diagnostics). */
  get backlog(): { pending: number; held: number; unreleased: number } {
    return { pending: this.#pending, ...this.#leases.counts };
  }

  async consume(takes: readonly Take[]): Promise<Decision> {
    if (this.#connecting !== undefined) {
      try {
        await this.#firstConnection();
      } catch (error) {
        throw new CounterStoreError(`Redis: ${(error as Error).message}`, { cause: error });
      }
    }
    // Nothing is sent (so nothing can be charged) when Redis is away or already far behind.
    if (!this.#usable()) throw new CounterStoreError(this.#connected() ? "Redis: its clock is not read yet" : `Redis: not connected (${this.#client.status})`);
    if (this.#pending >= this.#maxPending) throw new CounterStoreError(`Redis: ${this.#pending} commands already wait for an answer`);
    const concurrency = takes.some((t) => t.rule.algorithm === 'concurrency');
    const lease = concurrency ? this.#leasePrefix + this.#leaseCount++ : '';
    const start = performance.now();
    const deadline = start + this.#timeoutMs;
    const args: (string | number)[] = [];
    for (const t of takes) args.push(this.#key(t));
    args.push(lease, this.#clock.toRedis(deadline));
    for (const t of takes) {
      const r = t.rule;
      args.push(ALG[r.algorithm], r.limit, r.periodMs, t.cost, r.calendar === undefined ? '-' : CALENDAR[r.calendar], r.leaseMs ?? 0);
    }
    let reply: number[];
    let timedOut = false;
    try {
      this.#pending++;
      const call = this.#client.pclDecide!(takes.length, ...args) as Promise<number[]>;
      call.then(this.#settled, this.#settled);
      reply = await withDeadline(call, this.#timeoutMs, () => {
        timedOut = true;
        this.#stalled();
        return new Error(`no answer within ${this.#timeoutMs} ms`);
      });
    } catch (error) {
      // Redis may still run a decision whose connection broke: it is failed once its deadline has
      // passed, when the script no longer charges it (an error reply is an answer: nothing ran).
      if (!timedOut && !(error instanceof ReplyError)) await untilPast(deadline);
      // The slots it may have taken are removed behind it (never before: it is past its deadline).
      if (concurrency) this.#leases.release(lease, this.#leaseKeys(takes), leaseOf(takes));
      throw new CounterStoreError(`Redis: ${(error as Error).message}`, { cause: error });
    }
    const n = reply.length;
    this.#clock.sample(reply[n - 1]!, start, performance.now());
    if (reply[0] === EXPIRED) throw new CounterStoreError('Redis: the decision reached Redis after its deadline');
    const states: LimitState[] = new Array(takes.length);
    for (let i = 0; i < takes.length; i++) {
      const retryAfterMs = reply[3 + i * 3]!;
      states[i] = { allowed: retryAfterMs === 0, remaining: reply[1 + i * 3]!, resetMs: reply[2 + i * 3]!, retryAfterMs };
    }
    const allowed = reply[0] === 1;
    if (allowed && concurrency) this.#leases.hold(lease, this.#leaseKeys(takes), leaseOf(takes), start);
    return { allowed, states, lease: allowed && concurrency ? lease : undefined };
  }

  #firstConnection(): Promise<void> {
    return withDeadline(this.#connecting!, this.#timeoutMs, () => new Error(`not connected within ${this.#timeoutMs} ms`));
  }

  release(takes: readonly Take[], lease: string | undefined): void {
    if (lease === undefined) return;
    this.#leases.release(lease, this.#leaseKeys(takes), leaseOf(takes));
  }

  /** Counts a command until ioredis settles it; refuses one beyond the cap or while not connected. */
  #send(command: () => Promise<unknown>): Promise<unknown> {
    if (!this.#connected()) return Promise.reject(new Error(`not connected (${this.#client.status})`));
    if (this.#pending >= this.#maxPending) return Promise.reject(new Error('too many commands wait for an answer'));
    this.#pending++;
    const call = command();
    call.then(this.#settled, this.#settled);
    return call;
  }

  readonly #settled = () => void this.#pending--;

  /**
   * A decision got no answer within the timeout: the connection is dropped (and made again), which
   * fails every command queued on it at once instead of running it whenever Redis resumes.
   */
  #stalled(): void {
    if (!this.#connected()) return;
    this.#dropping = true;
    this.#client.disconnect(true);
  }

  #connected(): boolean {
    return this.#client.status === 'ready' && !this.#dropping;
  }

  /** Connected, and Redis's clock read on this connection: decisions can carry their deadline. */
  #usable(): boolean {
    return this.#connected() && this.#clock.known;
  }

  #onReady(): void {
    this.#dropping = false;
    this.#clock.reset();
    this.#readClock(++this.#generation);
    this.#leases.reconnected();
  }

  /**
   * Reads Redis's clock on a new connection (then every reply refines it). No answer within the
   * timeout drops the connection, like a decision's; an error answer is tried again a second later.
   */
  #readClock(generation: number): void {
    let timedOut = false;
    const sentAt = performance.now();
    const sent = this.#send(() => this.#client.pclClock!(`${this.#tag}clock`));
    const reading = withDeadline(sent, this.#timeoutMs, () => {
      timedOut = true;
      return new Error(`Redis's clock not read within ${this.#timeoutMs} ms`);
    });
    reading.then(
      (now) => {
        if (generation !== this.#generation) return;
        this.#clock.sample(now as number, sentAt, performance.now());
        this.#settleFirst?.();
        for (const resolve of this.#waiting.splice(0)) resolve();
      },
      (error: Error) => {
        if (generation !== this.#generation) return;
        this.#settleFirst?.(error);
        if (timedOut) this.#stalled();
        else setTimeout(() => generation === this.#generation && this.#connected() && this.#readClock(generation), 1000).unref();
      },
    );
  }

  #key(t: Take): string {
    return `${this.#tag}${t.rule.id}\u001f${t.key}`;
  }

  #leaseKeys(takes: readonly Take[]): string[] {
    const keys: string[] = [];
    for (const t of takes) if (t.rule.algorithm === 'concurrency') keys.push(this.#key(t));
    return keys;
  }

  async close(): Promise<void> {
    this.#leases.close();
    this.#client.disconnect();
  }
}

/** The longest lease among the concurrency limits of a decision. */
function leaseOf(takes: readonly Take[]): number {
  let ms = 0;
  for (const t of takes) if (t.rule.algorithm === 'concurrency' && (t.rule.leaseMs ?? 0) > ms) ms = t.rule.leaseMs!;
  return ms;
}

function untilPast(deadline: number): Promise<void> {
  const ms = deadline - performance.now();
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, Math.ceil(ms)));
}
