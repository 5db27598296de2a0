// Live traffic figures for the admin API (GET /api/stats): a ring of 5-second buckets over the last
// 15 minutes (requests, 5xx errors, denials, a latency histogram, denial reasons), and top-k sketches
// of consumers, client IPs and operations over the last 15 to 30 minutes (two rotating generations).
// Memory is fixed; recording is a few array increments. `raw()` is a JSON-safe, mergeable copy, so a
// cluster primary can add up its workers' figures.
import { LATENCY_SLOTS, latencySlot } from './latency.ts';
import { SpaceSaving, type TopEntry } from './space-saving.ts';

export const BUCKET_MS = 5000;
export const WINDOW_MS = 15 * 60_000;
const SLOTS = WINDOW_MS / BUCKET_MS;
const TOP_CAPACITY = 64;

export const TOP_KINDS = ['consumers', 'ips', 'operations', 'deniedConsumers', 'deniedIps'] as const;
export type TopKind = (typeof TOP_KINDS)[number];

export interface BucketRaw {
  /** Bucket start, epoch ms. */
  readonly t: number;
  readonly requests: number;
  readonly errors: number;
  readonly denials: number;
  /** Sparse latency histogram: [slot, count, slot, count...]. */
  readonly latency: number[];
  readonly reasons: Record<string, number>;
}

export interface StatsRaw {
  readonly buckets: BucketRaw[];
  readonly top: Record<TopKind, TopEntry[]>;
}

type Sketches = Record<TopKind, SpaceSaving>;
const sketches = (): Sketches => Object.fromEntries(TOP_KINDS.map((k) => [k, new SpaceSaving(TOP_CAPACITY)])) as Sketches;

export class RollingStats {
  readonly #index = new Float64Array(SLOTS).fill(-1);
  readonly #requests = new Uint32Array(SLOTS);
  readonly #errors = new Uint32Array(SLOTS);
  readonly #denials = new Uint32Array(SLOTS);
  readonly #latency = new Uint32Array(SLOTS * LATENCY_SLOTS);
  readonly #reasons: (Map<string, number> | undefined)[] = new Array(SLOTS).fill(undefined);
  #current: Sketches = sketches();
  #previous: Sketches = sketches();
  #generationStart = Date.now();

  /** `now` epoch ms; `ms` the request's duration; `denied` true for a refusal. */
  record(now: number, ms: number, status: number, denied: boolean, reason: string | undefined, consumer: string | undefined, ip: string, operation: string | undefined): void {
    const index = Math.floor(now / BUCKET_MS);
    const slot = index % SLOTS;
    if (this.#index[slot] !== index) this.#reset(slot, index);
    this.#requests[slot]!++;
    if (status >= 500) this.#errors[slot]!++;
    this.#latency[slot * LATENCY_SLOTS + latencySlot(ms)]!++;
    if (now - this.#generationStart >= WINDOW_MS) this.#rotate(now);
    const top = this.#current;
    top.ips.add(ip);
    if (consumer !== undefined) top.consumers.add(consumer);
    if (operation !== undefined) top.operations.add(operation);
    if (!denied) return;
    this.#denials[slot]!++;
    if (reason !== undefined) {
      const reasons = (this.#reasons[slot] ??= new Map());
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    top.deniedIps.add(ip);
    if (consumer !== undefined) top.deniedConsumers.add(consumer);
  }

  #reset(slot: number, index: number): void {
    this.#index[slot] = index;
    this.#requests[slot] = 0;
    this.#errors[slot] = 0;
    this.#denials[slot] = 0;
    this.#latency.fill(0, slot * LATENCY_SLOTS, (slot + 1) * LATENCY_SLOTS);
    this.#reasons[slot] = undefined;
  }

  #rotate(now: number): void {
    this.#previous = this.#current;
    this.#current = sketches();
    this.#generationStart = now;
  }

  raw(now = Date.now()): StatsRaw {
    const oldest = Math.floor((now - WINDOW_MS) / BUCKET_MS);
    const buckets: BucketRaw[] = [];
    for (let slot = 0; slot < SLOTS; slot++) {
      const index = this.#index[slot]!;
      if (index < oldest || this.#requests[slot] === 0) continue;
      const latency: number[] = [];
      for (let i = 0; i < LATENCY_SLOTS; i++) {
        const n = this.#latency[slot * LATENCY_SLOTS + i]!;
        if (n) latency.push(i, n);
      }
      buckets.push({
        t: index * BUCKET_MS, requests: this.#requests[slot]!, errors: this.#errors[slot]!, denials: this.#denials[slot]!, latency,
        reasons: Object.fromEntries(this.#reasons[slot] ?? []),
      });
    }
    buckets.sort((a, b) => a.t - b.t);
    const top = {} as Record<TopKind, TopEntry[]>;
    for (const kind of TOP_KINDS) {
      const merged = new SpaceSaving(TOP_CAPACITY);
      merged.merge(this.#previous[kind].entries());
      merged.merge(this.#current[kind].entries());
      top[kind] = merged.entries();
    }
    return { buckets, top };
  }
}
