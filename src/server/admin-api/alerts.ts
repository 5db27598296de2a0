// GET /api/alerts: what the anomaly detectors found, newest first, from the audit trail (each finding
// is an audit event of policy "anomaly"). Detectors only report: nobody is blocked by them.
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
      alerts: rows.map((r) => ({
        time: r.time,
        kind: r.reason,
        subject: r.consumer ?? r.clientIp,
        detail: r.evidence ?? '',
        operation: r.operation,
        requestId: r.requestId,
        blocked: false,
        until: null,
      })),
    });
  };
}
