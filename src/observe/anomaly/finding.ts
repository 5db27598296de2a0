// What a detector reports when it fires, and the shape every detector has.
import type { RequestContext } from '../../core/context.ts';

export type AnomalyReason =
  | 'PCL_ANOMALY_ID_ENUMERATION'
  | 'PCL_ANOMALY_SCANNING'
  | 'PCL_ANOMALY_CREDENTIAL_STUFFING'
  | 'PCL_ANOMALY_RATE_JUMP'
  | 'PCL_ANOMALY_ERROR_JUMP';

export interface Finding {
  readonly reason: AnomalyReason;
  /** The evidence (audit event, alert): counts and thresholds, never a credential. */
  readonly details: Record<string, unknown>;
  /** What an enforce-mode detector blocks: "ip:<address>", "net:<cidr>" or "consumer:<id>". */
  readonly blockKey: string;
}

export interface Detector {
  /** Sees one finished request; returns a finding when this request makes the detector fire. */
  observe(ctx: RequestContext, status: number, now: number): Finding | undefined;
}

/** The caller a per-caller detector counts: the consumer (client IP when anonymous), or the client IP. */
export function callerOf(ctx: RequestContext, by: 'ip' | 'consumer'): { caller: string; blockKey: string } {
  const id = by === 'consumer' ? (ctx.identity?.consumerId ?? ctx.identity?.subject) : undefined;
  return id === undefined ? { caller: ctx.clientIp, blockKey: `ip:${ctx.clientIp}` } : { caller: id, blockKey: `consumer:${id}` };
}
