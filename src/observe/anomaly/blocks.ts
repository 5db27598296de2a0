// Callers blocked by anomaly detectors in enforce mode, each until a time: client addresses
// ("ip:203.0.113.7"), networks ("net:203.0.113.0/24"), consumers ("consumer:alice") and subjects
// without a consumer id ("subject:jwt https://idp.example alice", block-key.ts). One table per
// process, kept across config reloads. Checking it is one comparison when nothing is blocked, a Map
// lookup or two otherwise. Bounded: at most MAX_BLOCKS entries; when full, ended blocks go first,
// then the one ending soonest (as in Redis, block-redis.ts), so a flood of short blocks cannot push
// out a long one, an administrator's included.
// `onAdd` and `onLift` let the cluster and Redis share a new block, or a lifted one (block-sync.ts,
// block-redis.ts).
import { GatewayError } from '../../core/errors.ts';
import { unmapIpv4 } from '../../policies/ip-filter/cidr.ts';
import { subnetOf } from './subnet.ts';

export const MAX_BLOCKS = 10_000;

export class Blocks {
  readonly #until = new Map<string, number>();
  /** Prefix lengths of the IPv4 and IPv6 network blocks in the table. */
  readonly #v4 = new Set<number>();
  readonly #v6 = new Set<number>();
  /**
   * Blocks lifted here, until they would have ended (bounded like the table). A copy heard later
   * that ends no later is the lifted block itself and is not taken back: a worker catching up from
   * Redis after an outage may read the shared set before the lift made elsewhere during the outage
   * reaches it (block-redis.ts), and it would otherwise keep the block to its end.
   */
  readonly #lifted = new Map<string, number>();
  /** Latest end of any block: past it nothing is blocked (and the table is cleared). */
  #latest = 0;
  /** Called for blocks added here (not for those received from elsewhere). */
  onAdd: ((key: string, until: number) => void) | undefined = undefined;
  /** Called for blocks lifted here (an administrator's call), not for lifts heard from elsewhere. */
  onLift: ((key: string, until: number) => void) | undefined = undefined;
  /** Called for lifts heard from other gateways that removed a block here (a cluster's primary forgets it too). */
  onHeardLift: ((key: string, until: number) => void) | undefined = undefined;

  /** Whether anything may be blocked now (false: no lookup needed). */
  active(now: number): boolean {
    if (this.#latest === 0) return false;
    if (now < this.#latest) return true;
    this.#until.clear();
    this.#v4.clear();
    this.#v6.clear();
    this.#latest = 0;
    return false;
  }

  /** Blocks `key` until `until` (epoch ms); a longer block already there is kept. */
  add(key: string, until: number, share = true): void {
    const lifted = this.#lifted.get(key);
    if (lifted !== undefined) {
      // Set here: a new block, whatever the lift. Heard from elsewhere: the lifted one, unless longer.
      if (share || until > lifted) this.#lifted.delete(key);
      else return;
    }
    const prior = this.#until.get(key);
    if (prior !== undefined && prior >= until) return;
    if (prior !== undefined) this.#until.delete(key);
    else if (this.#until.size >= MAX_BLOCKS && !this.#makeRoom(until)) return; // it would end soonest of all
    this.#until.set(key, until);
    if (key.startsWith('net:')) (key.includes(':', 4) ? this.#v6 : this.#v4).add(Number(key.slice(key.lastIndexOf('/') + 1)));
    if (until > this.#latest) this.#latest = until;
    if (share) this.onAdd?.(key, until);
  }

  /**
   * Ends the block on `key` now; returns when it would have ended (0: no such block). A lift heard
   * from elsewhere passes `upTo`, the end of the block lifted there: a longer block set here since,
   * which the lifter did not know, stays. (The network prefix sets are not shrunk: a few extra
   * lookups until the table empties.)
   */
  lift(key: string, now: number, upTo = Number.POSITIVE_INFINITY, share = true): number {
    const until = this.#until.get(key);
    if (until === undefined || until > upTo) return 0;
    this.#until.delete(key);
    if (until <= now) return 0;
    this.#rememberLift(key, until, now);
    if (share) this.onLift?.(key, until);
    return until;
  }

  /** A block set by an administrator is new, whatever was lifted before (block-control.ts). */
  forgetLift(key: string): void {
    this.#lifted.delete(key);
  }

  #rememberLift(key: string, until: number, now: number): void {
    if (this.#lifted.size >= MAX_BLOCKS) {
      for (const [k, u] of this.#lifted) if (u <= now) this.#lifted.delete(k);
      if (this.#lifted.size >= MAX_BLOCKS) this.#lifted.delete(this.#lifted.keys().next().value!);
    }
    this.#lifted.set(key, until);
  }

  /** Drops ended blocks, then (still full) the one ending soonest, unless the new one ends sooner still (false). */
  #makeRoom(newUntil: number): boolean {
    const now = Date.now();
    let soonestKey: string | undefined;
    let soonest = newUntil;
    for (const [key, until] of this.#until) {
      if (until <= now) this.#until.delete(key);
      else if (until < soonest) {
        soonest = until;
        soonestKey = key;
      }
    }
    if (this.#until.size < MAX_BLOCKS) return true;
    if (soonestKey === undefined) return false;
    this.#until.delete(soonestKey);
    return true;
  }

  /** Milliseconds `key` stays blocked (0: not blocked). */
  remaining(key: string, now: number): number {
    const until = this.#until.get(key);
    if (until === undefined) return 0;
    if (until > now) return until - now;
    this.#until.delete(key);
    return 0;
  }

  /** The refusal for a blocked client address or network, if any. */
  checkAddress(ip: string, now: number): GatewayError | undefined {
    let wait = this.remaining(`ip:${ip}`, now);
    const prefixes = this.#v4.size + this.#v6.size === 0 ? undefined : unmapIpv4(ip).includes(':') ? this.#v6 : this.#v4;
    if (prefixes) for (const p of prefixes) wait = Math.max(wait, this.remaining(`net:${subnetOf(ip, p, p)}`, now));
    return wait > 0 ? blocked(wait) : undefined;
  }

  /** The refusal for a blocked caller ("consumer:<id>" or "subject:<qualified subject>"), if any. */
  checkCaller(key: string, now: number): GatewayError | undefined {
    const wait = this.remaining(key, now);
    return wait > 0 ? blocked(wait) : undefined;
  }

  /** Blocks still running, for a worker that joins the cluster. */
  *entries(now: number): Iterable<[string, number]> {
    for (const [key, until] of this.#until) if (until > now) yield [key, until];
  }
}

function blocked(waitMs: number): GatewayError {
  return new GatewayError('PCL_ERR_CALLER_BLOCKED', 'This caller is blocked for a while: anomaly detection found abusive traffic from it.', {
    headers: { 'retry-after': String(Math.ceil(waitMs / 1000)) },
  });
}

let shared: Blocks | undefined;

/** The process's block table. */
export function sharedBlocks(): Blocks {
  return (shared ??= new Blocks());
}
