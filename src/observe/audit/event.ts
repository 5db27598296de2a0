// Turns a finished request into an audit event (before hashing): who, what, which policy decided,
// the verdict, the stable reason code, and the evidence the deciding policy kept in ctx.state,
// redacted. Runs at the end of every recorded request, so it only copies what it needs.
import type { RequestContext } from '../../core/context.ts';
import { ERRORS } from '../../core/errors.ts';
import type { AuditRecord } from '../../store/audit.ts';
import type { Unhashed } from './hash.ts';

/** The reason of a placeholder event, which stands on the chain for an event the store refused. */
export const UNSTORABLE = 'PCL_AUDIT_EVENT_UNSTORABLE';

export type AuditVerdict = 'allow' | 'deny' | 'report' | 'error';

/** Field names whose values never reach the trail, whatever a policy kept. */
const SECRET_NAME = /pass(word)?|secret|token|credential|authorization|cookie|api[-_]?key|^key$|signature|private/i;
const MAX_STRING = 200;
const ROUTE_CODES: ReadonlySet<string> = new Set(['PCL_ERR_ROUTE_NOT_FOUND', 'PCL_ERR_METHOD_NOT_ALLOWED']);
const MAX_FIELDS = 20;

export function verdictOf(ctx: RequestContext, status: number): AuditVerdict {
  // A server-side code with the status already sent (an upstream that failed mid-body) is an error too.
  if (ctx.errorCode !== undefined) return status >= 500 || ERRORS[ctx.errorCode].status >= 500 || ctx.errorCode === 'PCL_ERR_CLIENT_CLOSED' ? 'error' : 'deny';
  if (ctx.decisions !== undefined) return ctx.decisions.some((d) => d.verdict === 'deny') ? 'deny' : 'report';
  return 'allow';
}

/** The policy that decided: the last denying one; "route" (404/405) or "gateway" for refusals no policy made; null when allowed. */
export function decidingPolicy(ctx: RequestContext): string | null {
  const decisive = ctx.decisions?.findLast((d) => d.verdict === 'deny') ?? ctx.decisions?.[0];
  return decisive?.policy ?? (ctx.errorCode === undefined ? null : ROUTE_CODES.has(ctx.errorCode) ? 'route' : 'gateway');
}

/** `time`: epoch milliseconds of the request's end (the observer has read the clock already). */
export function snapshot(ctx: RequestContext, status: number, verdict: AuditVerdict, chain: string, redact: ReadonlySet<string>, time: number): Unhashed {
  const decisions = ctx.decisions;
  const decisive = decisions?.findLast((d) => d.verdict === 'deny') ?? decisions?.[0];
  const policy = decidingPolicy(ctx);
  const identity = ctx.identity;
  const kept = policy === null ? undefined : ctx.state?.[policy];
  const evidence = kept === undefined && decisive?.detail === undefined ? undefined : { ...(kept as object | undefined), ...(decisive?.detail === undefined ? {} : { detail: decisive.detail }) };
  return {
    chain,
    time,
    requestId: ctx.id,
    clientIp: ctx.clientIp,
    consumer: identity?.consumerId ?? null,
    subject: identity?.subject ?? null,
    api: ctx.api ?? null,
    operation: ctx.operationId ?? null,
    method: ctx.req.method ?? '',
    path: ctx.path,
    status,
    policy,
    verdict,
    reason: ctx.errorCode ?? decisive?.code ?? null,
    decisions: decisions === undefined ? null : JSON.stringify(decisions.map((d) => (d.code ? [d.policy, d.verdict, d.code] : [d.policy, d.verdict]))),
    evidence: evidence === undefined ? null : redactEvidence(evidence, redact),
  };
}

/** What an event made outside the request path (an anomaly finding, an admin action) says of its request. */
export type EventRequest = Pick<AuditRecord, 'requestId' | 'consumer' | 'subject' | 'api' | 'operation' | 'method' | 'path' | 'status'> & { readonly ip: string };

/** An event of policy "anomaly" (findings, lifted and manual blocks): no decisions, the evidence as JSON text. */
export function anomalyEvent(chain: string, r: EventRequest, verdict: string, reason: string, evidence: Record<string, unknown>): Unhashed {
  return recordedEvent('anomaly', chain, r, verdict, reason, evidence);
}

/** An event of policy "admin": an administrator's change to consumers or keys (src/server/admin-changes.ts). */
export function adminEvent(chain: string, r: EventRequest, verdict: string, reason: string, evidence: Record<string, unknown>): Unhashed {
  return recordedEvent('admin', chain, r, verdict, reason, evidence);
}

function recordedEvent(policy: string, chain: string, r: EventRequest, verdict: string, reason: string, evidence: Record<string, unknown>): Unhashed {
  return {
    chain, time: Date.now(), requestId: r.requestId, clientIp: r.ip, consumer: r.consumer, subject: r.subject, api: r.api, operation: r.operation,
    method: r.method, path: r.path, status: r.status, policy, verdict, reason, decisions: null, evidence: JSON.stringify(evidence),
  };
}

const MAX_KEPT = 200;

/**
 * What stands on the chain for an event the store refused (writer.ts): its time, request id, client
 * address and status where they are plainly storable, policy "audit", verdict "error", reason
 * UNSTORABLE, and as evidence the store's error code and the hash the refused event had
 * (whoever holds a copy of it can match it). Nothing else of it, since any field may be the one refused.
 */
export function unstorableEvent(e: Unhashed, hash: string, code: string): Unhashed {
  const kept = (v: unknown) => (typeof v === 'string' && v.length <= MAX_KEPT ? v : '');
  return {
    chain: e.chain, time: Number.isSafeInteger(e.time) ? e.time : Date.now(), requestId: kept(e.requestId), clientIp: kept(e.clientIp), consumer: null, subject: null,
    api: null, operation: null, method: '', path: '', status: Number.isSafeInteger(e.status) ? e.status : 0, policy: 'audit', verdict: 'error',
    reason: UNSTORABLE, decisions: null, evidence: JSON.stringify({ unstorable: true, code, hash }),
  };
}

/** JSON text of a policy's evidence: scalar fields and short lists only, secrets replaced, sizes capped. */
export function redactEvidence(value: unknown, redact: ReadonlySet<string>): string | null {
  if (value === null || typeof value !== 'object') return null;
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (n++ >= MAX_FIELDS) break;
    if (SECRET_NAME.test(key) || redact.has(key.toLowerCase())) {
      out[key] = '[REDACTED]';
      continue;
    }
    const safe = scalar(v) ?? (Array.isArray(v) ? v.slice(0, 10).map((x) => scalar(x) ?? (x && typeof x === 'object' ? shallow(x as Record<string, unknown>, redact) : null)) : undefined);
    if (safe !== undefined) out[key] = safe;
  }
  return n === 0 ? null : JSON.stringify(out);
}

function shallow(value: Record<string, unknown>, redact: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value).slice(0, MAX_FIELDS)) {
    const s = scalar(v);
    if (s !== undefined) out[key] = SECRET_NAME.test(key) || redact.has(key.toLowerCase()) ? '[REDACTED]' : s;
  }
  return out;
}

function scalar(v: unknown): string | number | boolean | null | undefined {
  if (typeof v === 'string') return v.length > MAX_STRING ? `${v.slice(0, MAX_STRING)}…` : v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
  return undefined;
}
