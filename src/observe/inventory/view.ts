// The JSON of GET /api/inventory: every routed operation with its traffic, compared with the
// documents — shadow (called, undocumented: matched no route or only a catch-all route), zombie
// (deprecated, or an older "/vN" than the newest version routed, and still called) and unused
// (documented, never called). Built from the runtime's routes and one usage snapshot per process.
import type { RouteInfo } from '../../server/runtime.ts';
import type { Shape } from './shape.ts';
import { copyUsage, mergeUsage, type InventoryRaw, type ShadowRaw, type Usage } from './usage.ts';
import { versionOf } from './templates.ts';

export interface StatusMix {
  readonly '1xx': number;
  readonly '2xx': number;
  readonly '3xx': number;
  readonly '4xx': number;
  readonly '5xx': number;
}

export interface UsageView {
  readonly count: number;
  readonly firstSeen: number | null;
  readonly lastSeen: number | null;
  readonly status: StatusMix;
  readonly authenticated: number;
  readonly denied: number;
  /** Media types of request bodies → calls. */
  readonly requestTypes: Record<string, number>;
  /** Media types of upstream responses by status class ("2xx" → {"application/json": 12}). */
  readonly responseTypes: Record<string, Record<string, number>>;
  /** Inferred body structures (only with `withBodies`: the OpenAPI draft renders them). */
  readonly bodies?: Record<string, Shape>;
}

export interface OperationView extends UsageView {
  readonly api: string;
  readonly operationId: string;
  readonly method: string;
  readonly path: string;
  readonly documented: boolean;
  readonly deprecated: boolean;
}

export interface ShadowView extends UsageView {
  readonly api: string | null;
  readonly method: string;
  readonly path: string;
  readonly example: string;
  readonly queryNames: string[];
}

export interface ZombieView {
  readonly kind: 'deprecated' | 'older-version';
  readonly api: string | null;
  readonly operationId: string | null;
  readonly method: string;
  readonly path: string;
  readonly count: number;
  readonly lastSeen: number | null;
}

export interface InventoryView {
  readonly since: number;
  readonly operations: OperationView[];
  readonly shadow: ShadowView[];
  readonly zombie: ZombieView[];
  readonly unused: { api: string; operationId: string; method: string; path: string }[];
  readonly overflow: number;
}

/** `withBodies`: include the inferred body shapes (for the OpenAPI draft; the JSON view leaves them out). */
export function inventoryView(routes: readonly RouteInfo[], raws: readonly InventoryRaw[], withBodies = false): InventoryView {
  const usage = new Map<string, Usage>();
  for (const raw of raws) for (const o of raw.operations) add(usage, `${o.api}\0${o.operationId}`, o);
  const shadowByKey = new Map<string, ShadowRaw & Usage>();
  for (const raw of raws) {
    for (const s of raw.shadow) {
      const key = `${s.api ?? ''} ${s.method} ${s.path}`;
      const entry = shadowByKey.get(key);
      if (entry) {
        mergeUsage(entry, s);
        for (const q of s.queryNames) if (!entry.queryNames.includes(q)) entry.queryNames.push(q);
      } else shadowByKey.set(key, { ...copyUsage(s), queryNames: [...s.queryNames] });
    }
  }

  const grouped = new Map<string, { route: RouteInfo; methods: string[] }>();
  for (const r of routes) {
    const key = `${r.api}\0${r.operationId}`;
    const g = grouped.get(key);
    if (g) g.methods.push(r.method);
    else grouped.set(key, { route: r, methods: [r.method] });
  }
  const current = Math.max(0, ...routes.filter((r) => r.documented).map((r) => versionOf(r.path) ?? 0));
  const older = (path: string) => current > 0 && (versionOf(path) ?? current) < current;

  const operations: OperationView[] = [];
  const zombie: ZombieView[] = [];
  const unused: InventoryView['unused'] = [];
  for (const [key, { route, methods }] of grouped) {
    const u = usage.get(key);
    const method = methods.join(',');
    operations.push({ api: route.api, operationId: route.operationId, method, path: route.path, documented: route.documented, deprecated: route.deprecated, ...usageView(u, withBodies) });
    if (u && u.count > 0 && (route.deprecated || older(route.path))) {
      zombie.push({ kind: route.deprecated ? 'deprecated' : 'older-version', api: route.api, operationId: route.operationId, method, path: route.path, count: u.count, lastSeen: u.lastSeen });
    }
    if (route.documented && (!u || u.count === 0)) unused.push({ api: route.api, operationId: route.operationId, method, path: route.path });
  }
  const shadow: ShadowView[] = [];
  for (const s of shadowByKey.values()) {
    const view: ShadowView = { api: s.api, method: s.method, path: s.path, example: s.example, queryNames: s.queryNames, ...usageView(s, withBodies) };
    shadow.push(view);
    if (older(s.path)) zombie.push({ kind: 'older-version', api: s.api, operationId: null, method: s.method, path: s.path, count: s.count, lastSeen: s.lastSeen });
  }
  shadow.sort((a, b) => b.count - a.count || (a.path < b.path ? -1 : 1));
  return {
    since: Math.min(...raws.map((r) => r.since), Date.now()),
    operations,
    shadow,
    zombie,
    unused,
    overflow: raws.reduce((n, r) => n + r.overflow, 0),
  };
}

function add(map: Map<string, Usage>, key: string, u: Usage): void {
  const entry = map.get(key);
  if (entry) mergeUsage(entry, u);
  else map.set(key, copyUsage(u));
}

/** The JSON of the admin API, or with `bodies` for the OpenAPI draft. */
function usageView(u: Usage | undefined, withBodies: boolean): UsageView {
  const s = u?.status ?? [0, 0, 0, 0, 0];
  const responseTypes: Record<string, Record<string, number>> = {};
  for (const [key, n] of Object.entries(u?.responseTypes ?? {})) {
    const space = key.indexOf(' ');
    (responseTypes[key.slice(0, space)] ??= {})[key.slice(space + 1)] = n;
  }
  const view: UsageView = {
    count: u?.count ?? 0,
    firstSeen: u?.count ? u.firstSeen : null,
    lastSeen: u?.count ? u.lastSeen : null,
    status: { '1xx': s[0]!, '2xx': s[1]!, '3xx': s[2]!, '4xx': s[3]!, '5xx': s[4]! },
    authenticated: u?.authenticated ?? 0,
    denied: u?.denied ?? 0,
    requestTypes: { ...u?.requestTypes },
    responseTypes,
  };
  return withBodies && u && Object.keys(u.bodies).length ? { ...view, bodies: u.bodies } : view;
}
