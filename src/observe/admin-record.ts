// Administrators' changes to consumers and API keys in the audit trail: one event of policy "admin"
// per change, its verdict naming it (key-created...), its reason PCL_ADMIN_*, who made it in
// `subject` and `evidence.by`, the consumer it is about in `consumer`, and what changed in the
// evidence (ids, roles, scopes, times: never a key or its hash). The event is flushed to the store
// before the admin API answers, or at least buffered: a store slower than FLUSH_WAIT_MS, or failing,
// gets it later (retried like every event), and the answer does not wait longer.
//
// A standalone gateway writes it to its own chain. In cluster mode the primary answers the admin API
// but has no writer: it hands the event to one worker, which writes it to its chain; a worker that
// does not answer within 2 s (booting, dying) is passed over for the next one.
import cluster, { type Worker } from 'node:cluster';
import { isClusterWorker } from '../store/counters/shared.ts';
import type { AdminAction } from './anomaly/block-control.ts';
import { adminEvent } from './audit/event.ts';
import type { AuditSink } from './observer.ts';

/** Each change, as the event's verdict, and its reason code. */
export const ADMIN_CHANGES = {
  'consumer-created': 'PCL_ADMIN_CONSUMER_CREATED',
  'consumer-updated': 'PCL_ADMIN_CONSUMER_UPDATED',
  'key-created': 'PCL_ADMIN_KEY_CREATED',
  'key-rotated': 'PCL_ADMIN_KEY_ROTATED',
  'key-revoked': 'PCL_ADMIN_KEY_REVOKED',
} as const;

export type AdminVerdict = keyof typeof ADMIN_CHANGES;

export interface AdminChange {
  readonly verdict: AdminVerdict;
  /** The status the admin API answers with. */
  readonly status: number;
  /** The consumer the change is about. */
  readonly consumer: string;
  /** What changed: ids, roles, scopes, times. Never a key or its hash. */
  readonly evidence: Readonly<Record<string, unknown>>;
}

/** Writes the event of a change; resolves to whether the audit trail took it. */
export type RecordAdminChange = (action: AdminAction, change: AdminChange) => Promise<boolean>;

const RECORD = 'pcl:admin-record';
const RECORDED = 'pcl:admin-recorded';
const TIMEOUT_MS = 2000;
/** Below TIMEOUT_MS: a worker whose store is slow still answers in time, so no second worker writes the change too. */
const FLUSH_WAIT_MS = 1000;

interface RecordMessage {
  readonly type: typeof RECORD;
  readonly id: number;
  readonly action: AdminAction;
  readonly change: AdminChange;
}

interface RecordedMessage {
  readonly type: typeof RECORDED;
  readonly id: number;
  readonly recorded: boolean;
}

/** This process's writer takes the event. */
export async function writeAdminChange(sink: AuditSink, action: AdminAction, change: AdminChange): Promise<boolean> {
  const writer = sink.writer;
  const request = {
    requestId: action.requestId, ip: action.ip, consumer: change.consumer, subject: action.by, api: null, operation: null,
    method: action.method, path: action.path.slice(0, 300), status: change.status,
  };
  const evidence = { ...(action.by === null ? {} : { by: action.by }), ...change.evidence };
  if (!writer.push(adminEvent(writer.chain, request, change.verdict, ADMIN_CHANGES[change.verdict], evidence), true)) return false;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([writer.flush(), new Promise((resolve) => (timer = setTimeout(resolve, FLUSH_WAIT_MS)))]);
  clearTimeout(timer);
  return true;
}

let answering = false;

/** In a cluster worker: write the events the primary hands over. */
export function answerAdminRecords(sink: AuditSink): void {
  if (!isClusterWorker() || answering) return;
  answering = true;
  process.on('message', (m: RecordMessage | null) => {
    if (m?.type !== RECORD) return;
    void writeAdminChange(sink, m.action, m.change)
      .catch(() => false)
      .then((recorded) => process.send?.({ type: RECORDED, id: m.id, recorded } satisfies RecordedMessage));
  });
}

/** In the cluster primary: hands each event to a worker, the next one when a worker does not answer in time. */
export function clusterAdminRecorder(): RecordAdminChange {
  let next = 0;
  const waiting = new Map<number, (recorded: boolean) => void>();
  cluster.on('message', (_worker, m: RecordedMessage | null) => {
    if (m?.type === RECORDED) waiting.get(m.id)?.(m.recorded === true);
  });
  const ask = (worker: Worker, action: AdminAction, change: AdminChange) =>
    new Promise<boolean>((resolve) => {
      const id = ++next;
      const done = (recorded: boolean) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(recorded);
      };
      const timer = setTimeout(() => done(false), TIMEOUT_MS);
      waiting.set(id, done);
      try {
        worker.send({ type: RECORD, id, action, change } satisfies RecordMessage);
      } catch {
        done(false);
      }
    });
  return async (action, change) => {
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker?.isConnected() && (await ask(worker, action, change))) return true;
    }
    return false;
  };
}
