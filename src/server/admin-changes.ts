// What the admin listener keeps of its requests and of the changes administrators make through it.
// Every admin request gets an id: the X-Request-Id of its answer, the requestId of its problem
// documents, of its log lines and of the audit event of a change. A change (consumers, keys: see
// admin-keys.ts; blocks: admin-api/blocks.ts) is logged at info level with who made it and from
// which address, and written to the audit trail (observe/admin-record.ts; block changes are written by
// BlockControl). Never in either: a key, its hash, the admin credential, a request body.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AdminChange, RecordAdminChange } from '../observe/admin-record.ts';
import type { AdminAction } from '../observe/anomaly/block-control.ts';
import type { AdminPrincipal } from './admin-credentials.ts';

const ids = new WeakMap<IncomingMessage, string>();

/** Gives a request of the admin listener its id, and sends it back as X-Request-Id. */
export function tagAdminRequest(req: IncomingMessage, res: ServerResponse): string {
  const id = randomUUID();
  ids.set(req, id);
  res.setHeader('x-request-id', id);
  return id;
}

/** The id of an admin request ('' for a request the admin listener did not take). */
export function adminRequestId(req: IncomingMessage): string {
  return ids.get(req) ?? '';
}

/** Who acts, from where, through which request: the OIDC user's name or subject, "admin-token" for the shared token. */
export function adminAction(req: IncomingMessage, who: AdminPrincipal | undefined): AdminAction {
  return {
    by: who?.name ?? who?.subject ?? (who?.via === 'token' ? 'admin-token' : null),
    ip: req.socket.remoteAddress ?? '',
    requestId: ids.get(req) ?? randomUUID(),
    method: req.method ?? '',
    path: (req.url ?? '').split('?')[0]!,
  };
}

export interface AdminChangeLog {
  /** Logs a change to consumers or keys and writes its audit event; never throws (the change is made). */
  change(action: AdminAction, change: AdminChange): Promise<void>;
  /** Logs a change whose audit event is written elsewhere (the anomaly blocks): `verdict` as in that event. */
  logged(action: AdminAction, verdict: string, what: string, fields: Readonly<Record<string, unknown>>): void;
}

/** `record`: the audit trail's writer, undefined when the trail is off (the log line stays). */
export function adminChangeLog(logger: Logger, record: RecordAdminChange | undefined): AdminChangeLog {
  const line = (action: AdminAction, verdict: string, what: string, fields: Readonly<Record<string, unknown>>) =>
    logger.info({ reqId: action.requestId, by: action.by, ip: action.ip, change: verdict, ...fields }, `admin change: ${what}`);
  return {
    async change(action, change) {
      line(action, change.verdict, change.verdict.replace('-', ' '), { consumer: change.consumer, ...change.evidence });
      if (!record) return;
      const missing = { reqId: action.requestId, by: action.by, change: change.verdict, consumer: change.consumer };
      try {
        if (!(await record(action, change))) logger.error(missing, 'an admin change is NOT in the audit trail: no audit writer took it');
      } catch (error) {
        logger.error({ ...missing, err: error }, 'an admin change is NOT in the audit trail: writing it failed');
      }
    },
    logged: line,
  };
}
