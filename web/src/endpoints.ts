// The admin API routes the pages read (events, stats, top-k, inventory, alerts: see docs/admin-api.yaml)
// and the shapes the pages use. Answers are normalized here, so a page never depends on more than
// these few types.
import { getJson, request } from './api.ts';

export interface AuditEvent {
  id: number;
  time: number;
  requestId: string;
  clientIp: string;
  consumer: string | null;
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
  verdict?: string;
  consumer?: string;
  clientIp?: string;
  operation?: string;
  policy?: string;
  before?: number;
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
const parseMaybe = (v: unknown): unknown => {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
};

function toEvent(e: Record<string, unknown>): AuditEvent {
  return {
    id: num(e.id),
    time: num(e.time),
    requestId: str(e.requestId),
    clientIp: str(e.clientIp ?? e.ip),
    consumer: e.consumer === null || e.consumer === undefined ? null : str(e.consumer),
    api: e.api === null || e.api === undefined ? null : str(e.api),
    operation: e.operation === null || e.operation === undefined ? null : str(e.operation),
    method: str(e.method),
    path: str(e.path),
    status: num(e.status),
    policy: e.policy === null || e.policy === undefined ? null : str(e.policy),
    verdict: str(e.verdict),
    reason: e.reason === null || e.reason === undefined ? null : str(e.reason),
    decisions: parseMaybe(e.decisions),
    evidence: parseMaybe(e.evidence),
  };
}

export const PAGE_SIZE = 25;

export async function events(filter: EventFilter): Promise<{ events: AuditEvent[]; next: number | undefined }> {
  const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
  for (const [k, v] of Object.entries(filter)) if (v !== undefined && v !== '') q.set(k, String(v));
  const body = await getJson<unknown>(`/api/events?${q}`);
  const rows = list(body, 'events', 'items').map(toEvent);
  const next = (body as { next?: unknown }).next;
  return { events: rows, next: next === undefined || next === null ? (rows.length === PAGE_SIZE ? rows.at(-1)!.id : undefined) : num(next) };
}

export async function event(id: number): Promise<AuditEvent> {
  const body = await getJson<Record<string, unknown>>(`/api/events/${id}`);
  return toEvent((body.event as Record<string, unknown> | undefined) ?? body);
}

export async function stats(windowSeconds: number): Promise<{ points: Point[]; stepSeconds: number }> {
  const body = await getJson<Record<string, unknown>>(`/api/stats?window=${windowSeconds}s`);
  const points = list(body, 'series', 'points').map((p) => ({
    time: num(p.time ?? p.t ?? p.start),
    requests: num(p.requests ?? p.count),
    errors: num(p.errors),
    denied: num(p.denied ?? p.denials),
    p50: numOrNull(p.p50 ?? (p.latency as Record<string, unknown> | undefined)?.p50),
    p99: numOrNull(p.p99 ?? (p.latency as Record<string, unknown> | undefined)?.p99),
  }));
  return { points, stepSeconds: num(body.step ?? body.stepSeconds ?? body.interval) || 1 };
}

export async function top(by: string, limit = 5): Promise<TopEntry[]> {
  const body = await getJson<unknown>(`/api/top?by=${encodeURIComponent(by)}&limit=${limit}`);
  return list(body, 'items', 'top', 'entries').map((t) => ({ key: str(t.key ?? t.value ?? t.name), count: num(t.count) }));
}

export async function inventory(): Promise<InventoryOperation[]> {
  const body = await getJson<unknown>('/api/inventory');
  return list(body, 'operations', 'endpoints', 'items').map((o) => ({
    api: str(o.api),
    method: str(o.method).toUpperCase(),
    path: str(o.path),
    operationId: o.operationId === undefined || o.operationId === null ? null : str(o.operationId),
    count: num(o.count ?? o.requests),
    lastSeen: numOrNull(o.lastSeen),
    status: str(o.status ?? o.kind ?? 'documented'),
    deprecated: o.deprecated === true,
  }));
}

/** The observed OpenAPI draft, as the text the API sends. */
export async function openapiDraft(): Promise<{ text: string; type: string }> {
  const res = await request('/api/inventory/openapi');
  return { text: await res.text(), type: res.headers.get('content-type') ?? 'application/json' };
}

export async function alerts(): Promise<Alert[]> {
  const body = await getJson<unknown>('/api/alerts');
  return list(body, 'alerts', 'items').map((a) => ({
    time: num(a.time),
    kind: str(a.kind ?? a.detector ?? a.type),
    subject: str(a.subject ?? a.consumer ?? a.clientIp),
    detail: str(a.detail ?? a.message),
    blocked: a.blocked === true,
    until: numOrNull(a.until ?? a.blockedUntil),
  }));
}
