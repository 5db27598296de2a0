// The concurrency slots this gateway holds in Redis (sorted-set members with a lease, compile.ts: 30 s).
// - Renewal: one timer per store renews, a third of the way through its lease, every slot still in
//   flight (one script call for all of them), so a long request keeps its slot, while the slots of a
//   gateway that died free themselves within one lease. One missed renewal is tolerated.
// - Release: a release Redis did not take (down, hung, too busy) is kept, at most MAX_UNRELEASED and
//   no longer than its lease, and sent again when the connection is back ('ready') and every second.
//   Until then its slot is held for nothing, at most one lease. A release never overtakes its own
//   decision: redis.ts sends it only once the decision is answered or past its deadline.

export interface LeaseIo {
  /** RELEASE_LUA; rejects when Redis did not take it. */
  release(keys: readonly string[], members: readonly string[]): Promise<unknown>;
  /** RENEW_LUA; args are member, leaseMs per key. */
  renew(keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
  ready(): boolean;
}

interface Held {
  readonly keys: readonly string[];
  readonly leaseMs: number;
  renewAt: number;
}

interface Unreleased {
  readonly key: string;
  readonly member: string;
  /** performance.now() after which the lease has run out anyway. */
  readonly until: number;
}

const MAX_UNRELEASED = 10_000;
/** Keys per script call (a batch of renewals or retried releases). */
const CHUNK = 500;
const RETRY_EVERY_MS = 1000;

export class RedisLeases {
  readonly #io: LeaseIo;
  /** Slots in flight by lease member, oldest first. */
  readonly #held = new Map<string, Held>();
  #unreleased: Unreleased[] = [];
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #closed = false;

  constructor(io: LeaseIo) {
    this.#io = io;
  }

  /** Slots held in flight, and releases waiting to be sent again (tests, diagnostics). */
  get counts(): { held: number; unreleased: number } {
    return { held: this.#held.size, unreleased: this.#unreleased.length };
  }

  /** An admitted decision took slots on `keys` under `member`, at `now` (performance.now()). */
  hold(member: string, keys: readonly string[], leaseMs: number, now: number): void {
    const renewAt = now + leaseMs / 3;
    this.#held.set(member, { keys, leaseMs, renewAt });
    this.#arm(renewAt);
  }

  /** The request ended, or its decision failed and may still have taken the slots: remove them. */
  release(member: string, keys: readonly string[], leaseMs: number): void {
    this.#held.delete(member);
    const members = keys.map(() => member);
    this.#io.release(keys, members).catch(() => this.#keep(keys, members, performance.now() + leaseMs));
  }

  /** The connection is (again) ready: the releases kept meanwhile are sent. */
  reconnected(): void {
    this.#retry();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#held.clear();
    this.#unreleased = [];
  }

  #keep(keys: readonly string[], members: readonly string[], until: number): void {
    if (this.#closed) return;
    for (let i = 0; i < keys.length; i++) this.#unreleased.push({ key: keys[i]!, member: members[i]!, until });
    // The oldest go first: they are the nearest to running out on their own.
    if (this.#unreleased.length > MAX_UNRELEASED) this.#unreleased.splice(0, this.#unreleased.length - MAX_UNRELEASED);
    this.#arm(performance.now() + RETRY_EVERY_MS);
  }

  #retry(): void {
    if (this.#closed || !this.#io.ready() || this.#unreleased.length === 0) return;
    const now = performance.now();
    const due = this.#unreleased.filter((u) => u.until > now);
    this.#unreleased = [];
    for (let i = 0; i < due.length; i += CHUNK) {
      const chunk = due.slice(i, i + CHUNK);
      const keys = chunk.map((u) => u.key);
      const members = chunk.map((u) => u.member);
      this.#io.release(keys, members).catch(() => {
        for (const u of chunk) this.#keep([u.key], [u.member], u.until);
      });
    }
  }

  #arm(at: number): void {
    if (this.#closed || (this.#timer !== undefined && this.#timerAt <= at)) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#sweep(), Math.max(0, at - performance.now()));
    this.#timer.unref();
  }

  #sweep(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    let keys: string[] = [];
    let args: (string | number)[] = [];
    for (const [member, h] of this.#held) {
      if (h.renewAt <= now) {
        for (const key of h.keys) keys.push(key), args.push(member, h.leaseMs);
        h.renewAt = now + h.leaseMs / 3;
        if (keys.length >= CHUNK) {
          this.#renew(keys, args);
          keys = [];
          args = [];
        }
      }
      if (h.renewAt < next) next = h.renewAt;
    }
    if (keys.length > 0) this.#renew(keys, args);
    if (this.#unreleased.length > 0) {
      this.#retry();
      next = Math.min(next, now + RETRY_EVERY_MS);
    }
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next);
  }

  #renew(keys: readonly string[], args: readonly (string | number)[]): void {
    // A failed renewal is tried again at the next third of the lease.
    if (this.#io.ready()) this.#io.renew(keys, args).catch(() => {});
  }
}
