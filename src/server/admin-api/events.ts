// GET /api/events (filtered, newest first, cursor-paginated) and GET /api/events/:id, read from
// the audit store. 404 PCL_ERR_ROUTE_NOT_FOUND when the audit trail is off or the event unknown.
import { GatewayError } from '../../core/errors.ts';
import { ADMIN_CHANGES, type AdminVerdict } from '../../observe/admin-record.ts';
import type { AuditRecord, AuditStore } from '../../store/audit.ts';
import type { AdminRoute } from '../admin.ts';
import { Query, sendJson, sendProblem } from './respond.ts';

// "lifted" and "blocked": an administrator's change to the anomaly blocks (admin-api/blocks.ts, policy
// "anomaly"); then the changes to consumers and keys (admin-keys.ts, policy "admin").
const VERDICTS = ['allow', 'deny', 'report', 'error', 'lifted', 'blocked', ...(Object.keys(ADMIN_CHANGES) as AdminVerdict[])] as const;
const PARAMS = ['from', 'to', 'consumer', 'operation', 'verdict', 'policy', 'api', 'ip', 'limit', 'cursor'];

export interface EventJson {
  readonly id: number;
  readonly chain: string;
  readonly seq: number;
  readonly time: string;
  readonly timeMs: number;
  readonly requestId: string;
  readonly clientIp: string;
  readonly consumer: string | null;
  readonly subject: string | null;
  readonly api: string | null;
  readonly operation: string | null;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly policy: string | null;
  readonly verdict: string;
  readonly reason: string | null;
  readonly decisions: { policy: string; verdict: string; code: string | null }[];
  readonly evidence: Record<string, unknown> | null;
  readonly prevHash: string;
  readonly hash: string;
}

export function eventJson(r: AuditRecord): EventJson {
  const decisions = r.decisions === null ? [] : (JSON.parse(r.decisions) as string[][]).map(([policy, verdict, code]) => ({ policy: policy!, verdict: verdict!, code: code ?? null }));
  return {
    id: r.id!, chain: r.chain, seq: r.seq, time: new Date(r.time).toISOString(), timeMs: r.time, requestId: r.requestId, clientIp: r.clientIp,
    consumer: r.consumer, subject: r.subject, api: r.api, operation: r.operation, method: r.method, path: r.path, status: r.status,
    policy: r.policy, verdict: r.verdict, reason: r.reason, decisions, evidence: r.evidence === null ? null : (JSON.parse(r.evidence) as Record<string, unknown>),
    prevHash: r.prevHash, hash: r.hash,
  };
}

const off = () => new GatewayError('PCL_ERR_ROUTE_NOT_FOUND', 'The audit trail is off (audit.enabled).');

export function listEvents(store: AuditStore | undefined): AdminRoute {
  return async (req, res) => {
    if (!store) return sendProblem(res, off());
    let q: Query;
    let query;
    try {
      q = new Query(req.url, PARAMS);
      const limit = q.int('limit', 1, 500, 50)!;
      query = {
        from: q.time('from'), to: q.time('to'), consumer: q.string('consumer'), operation: q.string('operation'), verdict: q.oneOf('verdict', VERDICTS),
        policy: q.string('policy', 64), api: q.string('api'), clientIp: q.string('ip', 64), before: q.int('cursor', 1, Number.MAX_SAFE_INTEGER), limit,
      };
    } catch (error) {
      return sendProblem(res, error as GatewayError);
    }
    const rows = await store.query({ ...query, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    sendJson(res, 200, { events: page.map(eventJson), nextCursor: rows.length > query.limit ? String(page.at(-1)!.id) : null });
  };
}

export function getEvent(store: AuditStore | undefined): AdminRoute {
  return async (req, res) => {
    if (!store) return sendProblem(res, off());
    const id = /^\/api\/events\/(\d{1,15})$/.exec((req.url ?? '').split('?')[0]!)?.[1];
    const row = id === undefined ? undefined : await store.get(Number(id));
    if (!row) return sendProblem(res, new GatewayError('PCL_ERR_ROUTE_NOT_FOUND', 'No audit event with this id.'));
    sendJson(res, 200, eventJson(row));
  };
}
