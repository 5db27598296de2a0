// The audit trail's tables: events (one hash chain per writer, `chain` + `seq`) and the signed
// checkpoints of each chain. Both Store implementations expose one of these as `store.audit`; they
// run the same tests (audit.test.ts). Rows are stored exactly as they were hashed: the verifier
// recomputes each hash from the columns (see src/observe/audit/hash.ts).
import { optionalString } from './types.ts';

export interface AuditRecord {
  /** Assigned by the store on insert (increasing); the id of GET /api/events/:id. */
  readonly id?: number;
  /** Which writer's chain the event belongs to (a gateway process, or one worker slot). */
  readonly chain: string;
  /** Position in the chain, from 1. */
  readonly seq: number;
  /** Epoch milliseconds. */
  readonly time: number;
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
  /** allow | deny | report | error */
  readonly verdict: string;
  /** The GatewayError code (stable), when there is one. */
  readonly reason: string | null;
  /** JSON text of every decision of the request ([{policy, verdict, code}]), as hashed. */
  readonly decisions: string | null;
  /** JSON text of the redacted evidence the deciding policy kept, as hashed. */
  readonly evidence: string | null;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditCheckpoint {
  readonly chain: string;
  /** The chain was `hash` at event `seq` when the checkpoint was taken. */
  readonly seq: number;
  readonly hash: string;
  readonly time: number;
  /** Base64 Ed25519 signature of the checkpoint (see src/observe/audit/signer.ts); null when unsigned. */
  readonly signature: string | null;
  /** Fingerprint of the public key that signed it. */
  readonly keyId: string | null;
}

export interface AuditQuery {
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  readonly consumer?: string | undefined;
  readonly operation?: string | undefined;
  readonly verdict?: string | undefined;
  readonly api?: string | undefined;
  readonly clientIp?: string | undefined;
  /** The deciding policy ("anomaly" for anomaly findings). */
  readonly policy?: string | undefined;
  /** Only events with an id below this one (the pagination cursor). */
  readonly before?: number | undefined;
  readonly limit: number;
}

export interface AuditStore {
  migrate(): Promise<void>;
  /** Inserts a batch (and optionally a checkpoint) in one transaction: all or nothing. */
  append(events: readonly AuditRecord[], checkpoint?: AuditCheckpoint): Promise<void>;
  /** Last event of a chain, to continue it after a restart. */
  head(chain: string): Promise<{ seq: number; hash: string } | undefined>;
  /** Newest first. */
  query(q: AuditQuery): Promise<AuditRecord[]>;
  get(id: number): Promise<AuditRecord | undefined>;
  /** Events of a chain after position (seq, id), in (seq, id) order: keyset pagination that keeps duplicated seqs. */
  scan(chain: string, after: { seq: number; id: number }, limit: number): Promise<AuditRecord[]>;
  chains(): Promise<string[]>;
  addCheckpoint(checkpoint: AuditCheckpoint): Promise<void>;
  /** In seq order. */
  checkpoints(chain: string): Promise<AuditCheckpoint[]>;
  /**
   * Claims a chain for this writer until `release` (PostgreSQL: a session advisory lock, so two
   * gateways never append to one chain); false when another writer holds it. SQLite: always true.
   */
  claim(chain: string): Promise<{ release(): Promise<void> } | false>;
  /** Deletes the chain's events up to `throughSeq` and the checkpoints before it; returns events deleted. */
  prune(chain: string, throughSeq: number): Promise<number>;
}

export const AUDIT_COLUMNS =
  'chain, seq, time, request_id, client_ip, consumer, subject, api, operation, method, path, status, policy, verdict, reason, decisions, evidence, prev_hash, hash';

/** The row's values in AUDIT_COLUMNS order, appended to `out` (one array for a whole multi-row insert). */
export function auditValues<T extends { push(...values: (string | number | null)[]): number }>(e: AuditRecord, out: T): T {
  out.push(
    e.chain, e.seq, e.time, e.requestId, e.clientIp, e.consumer, e.subject, e.api, e.operation, e.method, e.path, e.status,
    e.policy, e.verdict, e.reason, e.decisions, e.evidence, e.prevHash, e.hash,
  );
  return out;
}

const orNull = (v: unknown): string | null => optionalString(v) ?? null;

export function auditFromRow(row: Record<string, unknown>): AuditRecord {
  return {
    id: Number(row.id),
    chain: String(row.chain),
    seq: Number(row.seq),
    time: Number(row.time),
    requestId: String(row.request_id),
    clientIp: String(row.client_ip),
    consumer: orNull(row.consumer),
    subject: orNull(row.subject),
    api: orNull(row.api),
    operation: orNull(row.operation),
    method: String(row.method),
    path: String(row.path),
    status: Number(row.status),
    policy: orNull(row.policy),
    verdict: String(row.verdict),
    reason: orNull(row.reason),
    decisions: orNull(row.decisions),
    evidence: orNull(row.evidence),
    prevHash: String(row.prev_hash),
    hash: String(row.hash),
  };
}

export function checkpointFromRow(row: Record<string, unknown>): AuditCheckpoint {
  return {
    chain: String(row.chain),
    seq: Number(row.seq),
    hash: String(row.hash),
    time: Number(row.time),
    signature: orNull(row.signature),
    keyId: orNull(row.key_id),
  };
}

/** The condition of the partial indexes, written the same way in queries so that both planners match it. */
const DECIDED = "verdict <> 'allow'";

/**
 * The indexes of the admin API's filters, newest first within each value, on both stores (`t`: the
 * events table's name, without a schema). Allowed requests, the bulk of a trail that samples them, stay
 * out of all but the verdict index (low-cardinality, so cheap to keep): the indexes an event must update
 * are most of the cost of writing it, and the client-address index alone doubled it in a measurement
 * (see docs/audit-trail.md).
 */
export function auditIndexes(t: string): { name: string; on: string }[] {
  return [
    { name: `${t}_policy_decided`, on: `(policy, id) WHERE policy IS NOT NULL` },
    { name: `${t}_verdict`, on: `(verdict, id)` },
    { name: `${t}_client_ip_decided`, on: `(client_ip, id) WHERE ${DECIDED}` },
    { name: `${t}_operation_decided`, on: `(operation, id) WHERE ${DECIDED}` },
    { name: `${t}_api_decided`, on: `(api, id) WHERE ${DECIDED}` },
  ];
}

/** Which events a part of a query covers: those its verdict filter asks for, the decided ones, the allowed ones. */
export type AuditPart = 'asked' | 'decided' | 'allowed';

/**
 * A query by client address, operation or API with no verdict runs in two parts, merged newest first
 * (newestFirst): the decided events, which the partial indexes serve, and the allowed ones, which the
 * verdict index narrows down (instant when the trail holds none: sampleAllowed 0, the default).
 */
export function auditParts(q: AuditQuery): readonly AuditPart[] {
  return q.verdict === undefined && (q.clientIp !== undefined || q.operation !== undefined || q.api !== undefined) ? ['decided', 'allowed'] : ['asked'];
}

/** The first `limit` of events from the parts of one query, newest first. */
export function newestFirst(rows: AuditRecord[], limit: number): AuditRecord[] {
  return rows.sort((a, b) => b.id! - a.id!).slice(0, limit);
}

/** WHERE clause and parameters of a query (or one part of it); `param(i)` renders the i-th placeholder (? or $i). */
export function auditWhere(q: AuditQuery, param: (i: number) => string, part: AuditPart = 'asked'): { where: string; values: (string | number)[] } {
  const clauses: string[] = [];
  const values: (string | number)[] = [];
  const add = (sql: string, value: string | number | undefined) => {
    if (value === undefined) return;
    values.push(value);
    clauses.push(`${sql} ${param(values.length)}`);
  };
  add('time >=', q.from);
  add('time <', q.to);
  add('consumer =', q.consumer);
  add('operation =', q.operation);
  add('verdict =', q.verdict);
  add('api =', q.api);
  add('client_ip =', q.clientIp);
  add('policy =', q.policy);
  add('id <', q.before);
  // Implied by any verdict but allow, and written out so that the planners use the partial indexes
  // (they cannot see through a parameter).
  if (part === 'decided' || (q.verdict !== undefined && q.verdict !== 'allow')) clauses.push(DECIDED);
  if (part === 'allowed') clauses.push("verdict = 'allow'");
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', values };
}
