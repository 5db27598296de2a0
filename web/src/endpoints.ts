// The admin API routes the pages read (events, stats and top-k, inventory: see docs/admin-api.yaml; alerts)
// and the shapes the pages use. Answers are normalized here, so a page never depends on more than
// these few types.
import { getJson, request } from './api.ts';

export interface AuditEvent {
  id: number;
  time: number;
  requestId: string;
  clientIp: string;
  consumer: string | null;
  /** The authenticated subject; for an administrator's change, the administrator. */
  subject: string | null;
  api: string | null;
  operation: string | null;
  method: string;
  path: string;
  status: number;
  policy: string | null;
  verdict: string;
  reason: string | null;
  decisions: unknown;
  evidence: unknown;
}

export interface EventFilter {
  verdict?: string | undefined;
  policy?: string | undefined;
  consumer?: string | undefined;
  ip?: string | undefined;
  operation?: string | undefined;
  cursor?: string | undefined;
}

export interface Point {
  time: number;
  requests: number;
  errors: number;
  denied: number;
  p50: number | null;
  p99: number | null;
}

export interface TopEntry {
  key: string;
  count: number;
}

export interface InventoryOperation {
  api: string;
  method: string;
  path: string;
  operationId: string | null;
  count: number;
  lastSeen: number | null;
  status: string;
  deprecated: boolean;
  /** Media types of bodies seen: "request application/json", "2xx application/json"... */
  media: string[];
}

export interface Alert {
  time: number;
  kind: string;
  subject: string;
  detail: string;
  blocked: boolean;
  until: number | null;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : 0);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const list = (v: unknown, ...names: string[]): Record<string, unknown>[] => {
  if (Array.isArray(v)) return v as Record<string, unknown>[];
  for (const n of names) {
    const inner = (v as Record<string, unknown> | null)?.[n];
    if (Array.isArray(inner)) return inner as Record<string, unknown>[];
  }
  return [];
};

const orNull = (v: unknown): string | null => (v === null || v === undefined ? null : str(v));

function toEvent(e: Record<string, unknown>): AuditEvent {
  return {
    id: num(e.id),
    time: num(e.timeMs ?? e.time),
    requestId: str(e.requestId),
    clientIp: str(e.clientIp),
    consumer: orNull(e.consumer),
    subject: orNull(e.subject),
    api: orNull(e.api),
    operation: orNull(e.operation),
    method: str(e.method),
    path: str(e.path),
    status: num(e.status),
    policy: orNull(e.policy),
    verdict: str(e.verdict),
    reason: orNull(e.reason),
    decisions: e.decisions,
    evidence: e.evidence,
  };
}

export const PAGE_SIZE = 25;

/** GET /api/events: newest first; `nextCursor` fetches the next (older) page. */
export async function events(filter: EventFilter): Promise<{ events: AuditEvent[]; next: string | undefined }> {
  const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
  for (const [k, v] of Object.entries(filter)) if (v !== undefined && v !== '') q.set(k, v);
  const body = await getJson<{ events?: unknown; nextCursor?: unknown }>(`/api/events?${q}`);
  return { events: list(body.events).map(toEvent), next: body.nextCursor === null || body.nextCursor === undefined ? undefined : str(body.nextCursor) };
}

export async function event(id: number): Promise<AuditEvent> {
  return toEvent(await getJson<Record<string, unknown>>(`/api/events/${id}`));
}

export interface Stats {
  readonly points: Point[];
  readonly bucketSeconds: number;
  readonly reasons: TopEntry[];
  readonly consumers: TopEntry[];
  readonly ips: TopEntry[];
  readonly operations: TopEntry[];
}

const entries = (v: unknown, key = 'key'): TopEntry[] => list(v).map((t) => ({ key: str(t[key]), count: num(t.count) }));

/** GET /api/stats: 5-second buckets of the last `minutes`, oldest first, and the top lists. */
export async function stats(minutes: number, top = 5): Promise<Stats> {
  const body = await getJson<Record<string, unknown>>(`/api/stats?minutes=${minutes}&top=${top}`);
  const tops = (body.top ?? {}) as Record<string, unknown>;
  return {
    points: list(body.series).map((p) => ({
      time: num(p.t),
      requests: num(p.requests),
      errors: num(p.errors),
      denied: num(p.denials),
      p50: numOrNull(p.p50Ms),
      p99: numOrNull(p.p99Ms),
    })),
    bucketSeconds: num(body.bucketSeconds) || 5,
    reasons: entries(body.topDeniedReasons, 'reason'),
    consumers: entries(tops.consumers),
    ips: entries(tops.ips),
    operations: entries(tops.operations),
  };
}

function mediaOf(o: Record<string, unknown>): string[] {
  const object = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const request = Object.keys(object(o.requestTypes)).map((t) => `request ${t}`);
  const response = Object.entries(object(o.responseTypes)).flatMap(([cls, types]) => Object.keys(object(types)).map((t) => `${cls} ${t}`));
  return [...request, ...response];
}

/**
 * GET /api/inventory: routed operations, plus shadow and zombie calls and unused operations, as one
 * list; `overflow`: undocumented calls not listed (the table of them was full).
 */
export async function inventory(): Promise<{ rows: InventoryOperation[]; overflow: number }> {
  const body = await getJson<Record<string, unknown>>('/api/inventory');
  const zombie = new Set(list(body.zombie).map((z) => `${str(z.api)} ${str(z.method)} ${str(z.path)}`));
  const unused = new Set(list(body.unused).map((u) => `${str(u.api)} ${str(u.method)} ${str(u.path)}`));
  const row = (o: Record<string, unknown>, status: string): InventoryOperation => ({
    api: str(o.api),
    method: str(o.method).toUpperCase(),
    path: str(o.path),
    operationId: orNull(o.operationId),
    count: num(o.count),
    lastSeen: numOrNull(o.lastSeen),
    status,
    deprecated: o.deprecated === true,
    media: mediaOf(o),
  });
  const operations = list(body.operations).map((o) => {
    const key = `${str(o.api)} ${str(o.method)} ${str(o.path)}`;
    // Routes declared in the config without a document are known to the gateway: not shadow APIs.
    return row(o, zombie.has(key) ? 'zombie' : unused.has(key) ? 'unused' : o.documented === false ? 'config route' : 'documented');
  });
  return { rows: [...list(body.shadow).map((o) => row(o, 'shadow')), ...operations], overflow: num(body.overflow) };
}

/** GET /api/inventory/openapi: the OpenAPI draft of what was observed, as the text the API sends. */
export async function openapiDraft(): Promise<{ text: string; type: string }> {
  const res = await request('/api/inventory/openapi');
  return { text: await res.text(), type: res.headers.get('content-type') ?? 'application/json' };
}

/** GET /api/alerts (anomaly detection): a 404 means this gateway has none. */
export async function alerts(): Promise<Alert[]> {
  const body = await getJson<unknown>('/api/alerts');
  return list(body, 'alerts', 'items').map((a) => ({
    time: num(a.time),
    kind: str(a.kind ?? a.detector),
    subject: str(a.subject ?? a.consumer ?? a.clientIp),
    detail: str(a.detail ?? a.message),
    blocked: a.blocked === true,
    until: numOrNull(a.until ?? a.blockedUntil),
  }));
}

export interface Block {
  key: string;
  kind: string;
  value: string;
  until: number;
  remaining: number;
}

/** GET /api/blocks: the anomaly blocks in force, ending last first; a 404 means no detector blocks here. */
export async function blocks(): Promise<{ blocks: Block[]; total: number }> {
  const body = await getJson<{ blocks?: unknown; total?: unknown }>('/api/blocks');
  const items = list(body.blocks).map((b) => ({ key: str(b.key), kind: str(b.kind), value: str(b.value), until: Date.parse(str(b.until)) || 0, remaining: num(b.remaining) }));
  return { blocks: items, total: num(body.total ?? items.length) };
}

/** DELETE /api/blocks/{key}: lifts the block at once, on every worker and gateway sharing blocks. */
export async function liftBlock(key: string): Promise<void> {
  await request(`/api/blocks/${encodeURIComponent(key)}`, { method: 'DELETE' });
}
