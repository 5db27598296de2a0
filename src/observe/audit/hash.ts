// The hash chain: each event's hash covers its content and the previous event's hash, over one
// canonical encoding (a JSON array in a fixed field order, version first). The store keeps the
// JSON texts (decisions, evidence) exactly as hashed, so the verifier recomputes the same bytes.
// `seq` and the store's row id are not hashed: order is proven by the links, not by numbers.
import { hash } from 'node:crypto';
import type { AuditRecord } from '../../store/audit.ts';

export const GENESIS = '0'.repeat(64);
const VERSION = 1;

export type Unhashed = Omit<AuditRecord, 'id' | 'seq' | 'prevHash' | 'hash'>;

export function canonical(e: Unhashed, prevHash: string): string {
  return JSON.stringify([
    VERSION, e.chain, e.time, e.requestId, e.clientIp, e.consumer, e.subject, e.api, e.operation, e.method, e.path,
    e.status, e.policy, e.verdict, e.reason, e.decisions, e.evidence, prevHash,
  ]);
}

export function eventHash(e: Unhashed, prevHash: string): string {
  return hash('sha256', canonical(e, prevHash), 'hex'); // one-shot: no Hash object per event
}
