// Messages between cluster workers and the primary that holds the counters of one gateway.
// Decisions of one event-loop turn travel in one message each way.
import type { Decision, Take } from './types.ts';

export const REQUEST = 'pcl:counters';
export const REPLY = 'pcl:counters:reply';

export interface Op {
  /** consume, or release (concurrency slots; no answer). */
  readonly r?: 1;
  readonly takes: readonly Take[];
  /** consume: the asking policy's store.maxKeys, the bound of each table a new key lands in. */
  readonly m?: number;
}

export interface CountersRequest {
  readonly type: typeof REQUEST;
  readonly id: number;
  readonly ops: readonly Op[];
}

export interface CountersReply {
  readonly type: typeof REPLY;
  readonly id: number;
  /** One per op of the request, null for releases. */
  readonly decisions: readonly (Decision | null)[];
}

export function isRequest(m: unknown): m is CountersRequest {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === REQUEST;
}

export function isReply(m: unknown): m is CountersReply {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === REPLY;
}
