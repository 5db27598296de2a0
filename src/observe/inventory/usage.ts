// What the gateway saw of each operation and of each undocumented call (bounded), kept in memory
// since the process started. `raw()` is JSON-safe and mergeable across cluster workers.
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
  return { count: 0, firstSeen: now, lastSeen: now, status: [0, 0, 0, 0, 0], authenticated: 0, denied: 0 };
}

export function countUsage(u: Usage, now: number, status: number, authenticated: boolean, denied: boolean): void {
  u.count++;
  u.lastSeen = now;
  u.status[status >= 100 && status < 600 ? ((status / 100) | 0) - 1 : 4]!++;
  if (authenticated) u.authenticated++;
  if (denied) u.denied++;
}

interface Shadow extends Usage {
  readonly api: string | null;
  readonly method: string;
  readonly path: string;
  readonly example: string;
  readonly queryNames: Set<string>;
}

export class UsageTable {
  readonly since = Date.now();
  readonly #operations: { api: string; operationId: string; usage: Usage }[] = [];
  readonly #shadow = new Map<string, Shadow>();
  #overflow = 0;
  /** Templates of recent paths: repeated calls skip the inference (cleared when full). */
  readonly #templates = new Map<string, string>();

  /** A usage record for one operation (the observer keeps it with the operation's metrics). */
  operation(api: string, operationId: string, now: number): Usage {
    const usage = newUsage(now);
    this.#operations.push({ api, operationId, usage });
    return usage;
  }

  /** An undocumented call: templated path, per method and API (null: matched no route). */
  undocumented(api: string | null, method: string, path: string, query: string, now: number, status: number, authenticated: boolean, denied: boolean): void {
    let template = this.#templates.get(path);
    if (template === undefined) {
      if (this.#templates.size >= MAX_CACHED_TEMPLATES) this.#templates.clear();
      template = inferTemplate(path);
      this.#templates.set(path, template);
    }
    const key = `${api ?? ''} ${method} ${template}`;
    let entry = this.#shadow.get(key);
    if (entry === undefined) {
      if (this.#shadow.size >= MAX_SHADOW) {
        this.#overflow++;
        return;
      }
      entry = { ...newUsage(now), api, method, path: template, example: path.slice(0, 200), queryNames: new Set() };
      this.#shadow.set(key, entry);
    }
    countUsage(entry, now, status, authenticated, denied);
    if (query && entry.queryNames.size < MAX_QUERY_NAMES) {
      for (const pair of query.split('&')) {
        const name = pair.split('=', 1)[0]!;
        if (name && name.length <= 64 && entry.queryNames.size < MAX_QUERY_NAMES) entry.queryNames.add(decodeName(name));
      }
    }
  }

  raw(): InventoryRaw {
    return {
      since: this.since,
      operations: this.#operations.filter((o) => o.usage.count > 0).map((o) => ({ api: o.api, operationId: o.operationId, ...o.usage, status: [...o.usage.status] })),
      shadow: [...this.#shadow.values()].map((s) => ({ ...s, status: [...s.status], queryNames: [...s.queryNames] })),
      overflow: this.#overflow,
    };
  }
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replaceAll('+', ' '));
  } catch {
    return name;
  }
}
