// GET /api/alerts: what the anomaly detectors found, newest first, from the audit trail (each finding
// is an audit event of policy "anomaly"). A finding of a detector in enforce mode says, in its
// evidence, what it blocked and until when: `blocked` and `until` come from there.
import type { GatewayError } from '../../core/errors.ts';
import type { AuditStore } from '../../store/audit.ts';
import type { AdminRoute } from '../admin.ts';
import { Query, sendJson, sendProblem } from './respond.ts';

export function listAlerts(store: AuditStore | undefined): AdminRoute {
  return async (req, res) => {
    let limit: number;
    try {
      limit = new Query(req.url, ['limit']).int('limit', 1, 500, 50)!;
    } catch (error) {
      return sendProblem(res, error as GatewayError);
    }
    const rows = store === undefined ? [] : await store.query({ policy: 'anomaly', limit });
    sendJson(res, 200, {
      alerts: rows.map((r) => {
        const evidence = parse(r.evidence);
        const blocked = evidence?.blocked === true;
        return {
          time: r.time,
          kind: r.reason,
          subject: subjectOf(evidence, r.consumer ?? r.clientIp),
          detail: r.evidence ?? '',
          operation: r.operation,
          requestId: r.requestId,
          blocked,
          until: blocked && typeof evidence?.blockedUntil === 'number' ? evidence.blockedUntil : null,
        };
      }),
    });
  };
}

/** Whom a finding is about: the caller a detector counted, the key an admin blocked or lifted (not the admin's own address). */
function subjectOf(evidence: Record<string, unknown> | undefined, fallback: string): string {
  if (typeof evidence?.caller === 'string') return evidence.caller;
  if (typeof evidence?.block === 'string') return evidence.block;
  return fallback;
}

function parse(evidence: string | null): Record<string, unknown> | undefined {
  if (evidence === null) return undefined;
  try {
    const value: unknown = JSON.parse(evidence);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
