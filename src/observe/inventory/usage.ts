// What the gateway saw of each operation and of each undocumented call (bounded), kept in memory
// since the process started (or since the snapshot loaded from the store). `raw()` is JSON-safe and
// mergeable across cluster workers and restarts.
import { MAX_MEDIA_TYPES } from './media.ts';
import { merge as mergeShape, type Shape } from './shape.ts';
import { inferTemplate } from './templates.ts';

const MAX_SHADOW = 1000;
const MAX_QUERY_NAMES = 20;
const MAX_CACHED_TEMPLATES = 4096;

export interface Usage {
  count: number;
  firstSeen: number;
  lastSeen: number;
  /** Responses by status class: [1xx, 2xx, 3xx, 4xx, 5xx]. */
  readonly status: number[];
  authenticated: number;
  denied: number;
  /** Request bodies by media type ("application/json" → calls; at most 8 types). */
  readonly requestTypes: Record<string, number>;
  /** Upstream responses by status class and media type ("2xx application/json" → responses; at most 8). */
  readonly responseTypes: Record<string, number>;
  /** Inferred structure of JSON bodies: "request", or a response status class ("2xx"...). */
  readonly bodies: Record<string, Shape>;
}

export interface OperationUsageRaw extends Usage {
  readonly api: string;
  readonly operationId: string;
}

export interface ShadowRaw extends Usage {
  /** The API whose catch-all route took the call, or null when no route matched (404/405). */
  readonly api: string | null;
  readonly method: string;
  readonly path: string;
  readonly example: string;
  readonly queryNames: string[];
}

export interface InventoryRaw {
  readonly since: number;
  readonly operations: OperationUsageRaw[];
  readonly shadow: ShadowRaw[];
  /** Undocumented calls not tracked because the table was full. */
  readonly overflow: number;
}

export function newUsage(now: number): Usage {
  return { count: 0, firstSeen: now, lastSeen: now, status: [0, 0, 0, 0, 0], authenticated: 0, denied: 0, requestTypes: {}, responseTypes: {}, bodies: {} };
}

/** A deep copy (snapshots must not share the live counters). */
export function copyUsage<T extends Usage>(u: T): T {
  return { ...u, status: [...u.status], requestTypes: { ...u.requestTypes }, responseTypes: { ...u.responseTypes }, bodies: { ...u.bodies } };
}

/** Adds `u` to `into`: counts, first and last seen, media types (bounded), body shapes. */
export function mergeUsage(into: Usage, u: Usage): void {
  into.count += u.count;
  into.firstSeen = Math.min(into.firstSeen, u.firstSeen);
  into.lastSeen = Math.max(into.lastSeen, u.lastSeen);
  for (let i = 0; i < 5; i++) into.status[i]! += u.status[i] ?? 0;
  into.authenticated += u.authenticated;
  into.denied += u.denied;
  for (const [k, n] of Object.entries(u.requestTypes)) addCount(into.requestTypes, k, n);
  for (const [k, n] of Object.entries(u.responseTypes)) addCount(into.responseTypes, k, n);
  for (const [k, shape] of Object.entries(u.bodies)) into.bodies[k] = into.bodies[k] ? mergeShape(into.bodies[k], shape) : shape;
}

function addCount(counts: Record<string, number>, key: string, n: number): void {
  const had = counts[key];
  if (had !== undefined) counts[key] = had + n;
  else if (Object.keys(counts).length < MAX_MEDIA_TYPES) counts[key] = n;
}

export function countUsage(u: Usage, now: number, status: number, authenticated: boolean, denied: boolean): void {
  u.count++;
  u.lastSeen = now;
  u.status[status >= 100 && status < 600 ? ((status / 100) | 0) - 1 : 4]!++;
  if (authenticated) u.authenticated++;
  if (denied) u.denied++;
}

interface Shadow extends Usage {
  /** Given way to a newer entry (usage.ts #evictOne): no longer in the table. */
  gone?: boolean;
  readonly api: string | null;
  readonly method: string;
  readonly path: string;
  readonly example: string;
  readonly queryNames: Set<string>;
}

interface RecentPath {
  readonly template: string;
  api: string | null;
  method: string;
  entry: Shadow | undefined;
}

export class UsageTable {
  #since = Date.now();
  readonly #operations: { api: string; operationId: string; usage: Usage }[] = [];
  readonly #shadow = new Map<string, Shadow>();
  #overflow = 0;
  /** Usage loaded from the store for operations not called since: taken over on their first call. */
  readonly #loaded = new Map<string, OperationUsageRaw>();
  /**
   * Recent paths: their template, and the entry of the last call on that path (repeated calls skip
   * the inference and the entry's lookup; entries are never replaced, so a kept one stays current).
   * Cleared when full.
   */
  readonly #paths = new Map<string, RecentPath>();

  get since(): number {
    return this.#since;
  }

  /** A usage record for one operation (the observer keeps it with the operation's metrics). */
  operation(api: string, operationId: string, now: number): Usage {
    const key = `${api}\0${operationId}`;
    const loaded = this.#loaded.get(key);
    this.#loaded.delete(key);
    const usage = loaded ? copyUsage(usageOf(loaded)) : newUsage(now);
    this.#operations.push({ api, operationId, usage });
    return usage;
  }

  /**
   * An undocumented call: templated path, per method and API (null: matched no route). Returns the
   * entry (for media types and body samples), or undefined when the table is full.
   */
  undocumented(api: string | null, method: string, path: string, query: string, now: number, status: number, authenticated: boolean, denied: boolean): Usage | undefined {
    let recent = this.#paths.get(path);
    if (recent === undefined) {
      if (this.#paths.size >= MAX_CACHED_TEMPLATES) this.#paths.clear();
      recent = { template: inferTemplate(path), api: null, method: '', entry: undefined };
      this.#paths.set(path, recent);
    }
    let entry = recent.entry !== undefined && !recent.entry.gone && recent.method === method && recent.api === api ? recent.entry : undefined;
    if (entry === undefined) {
      const template = recent.template;
      const key = `${api ?? ''} ${method} ${template}`;
      entry = this.#shadow.get(key);
      if (entry === undefined) {
        if (this.#shadow.size >= MAX_SHADOW && !this.#evictOne()) {
          this.#overflow++;
          return undefined;
        }
        entry = { ...newUsage(now), api, method, path: template, example: path.slice(0, 200), queryNames: new Set() };
        this.#shadow.set(key, entry);
      }
      recent.api = api;
      recent.method = method;
      recent.entry = entry;
    }
    countUsage(entry, now, status, authenticated, denied);
    if (query && entry.queryNames.size < MAX_QUERY_NAMES) {
      for (const pair of query.split('&')) {
        const name = pair.split('=', 1)[0]!;
        if (name && name.length <= 64 && entry.queryNames.size < MAX_QUERY_NAMES) entry.queryNames.add(decodeName(name));
      }
    }
    return entry;
  }

  /**
   * Makes room in a full table: gives up the least telling entry, one that never had a successful
   * answer (2xx, 3xx), with the fewest calls, seen longest ago (its calls count as overflow). False
   * when every entry had one: a client spraying paths that answer 404 (with a key or without) fills
   * the table with its own noise, which then gives way to what it probes next, and never pushes out
   * an endpoint that answered. A scan of the table, on a full table's new entries only.
   */
  #evictOne(): boolean {
    let victim: string | undefined;
    let least: Shadow | undefined;
    for (const [key, e] of this.#shadow) {
      if (e.status[1]! + e.status[2]! > 0) continue;
      if (least === undefined || e.count < least.count || (e.count === least.count && e.lastSeen < least.lastSeen)) {
        least = e;
        victim = key;
      }
    }
    if (victim === undefined) return false;
    this.#shadow.delete(victim);
    this.#overflow += least!.count;
    least!.gone = true; // recent paths may still point at it
    return true;
  }

  /**
   * Adds a snapshot (this process's own, saved before a restart) to the table: counts continue from
   * it and `since` goes back to its start. Call before traffic is recorded.
   */
  load(raw: InventoryRaw): void {
    this.#since = Math.min(this.#since, raw.since);
    this.#overflow += raw.overflow;
    for (const o of raw.operations) {
      const key = `${o.api}\0${o.operationId}`;
      const live = this.#operations.find((e) => e.api === o.api && e.operationId === o.operationId);
      if (live) mergeUsage(live.usage, o);
      else if (this.#loaded.has(key)) mergeUsage(this.#loaded.get(key)!, o);
      else this.#loaded.set(key, copyUsage(o));
    }
    for (const s of raw.shadow) {
      const key = `${s.api ?? ''} ${s.method} ${s.path}`;
      const entry = this.#shadow.get(key);
      if (entry) {
        mergeUsage(entry, s);
        for (const q of s.queryNames) if (entry.queryNames.size < MAX_QUERY_NAMES) entry.queryNames.add(q);
      } else if (this.#shadow.size < MAX_SHADOW) {
        this.#shadow.set(key, { ...copyUsage(s), queryNames: new Set(s.queryNames.slice(0, MAX_QUERY_NAMES)) });
      } else this.#overflow += s.count;
    }
  }

  raw(): InventoryRaw {
    const called = this.#operations.filter((o) => o.usage.count > 0).map((o) => ({ api: o.api, operationId: o.operationId, ...copyUsage(o.usage) }));
    return {
      since: this.#since,
      operations: [...called, ...[...this.#loaded.values()].map((o) => copyUsage(o))],
      shadow: [...this.#shadow.values()].map((s) => ({ ...copyUsage(s), queryNames: [...s.queryNames] })),
      overflow: this.#overflow,
    };
  }
}

function usageOf(o: OperationUsageRaw): Usage {
  const { api: _api, operationId: _op, ...usage } = o;
  return usage;
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replaceAll('+', ' '));
  } catch {
    return name;
  }
}
