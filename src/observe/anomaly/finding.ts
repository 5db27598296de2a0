// What a detector sees of a finished request, what it reports when it fires, and the shape every
// detector has. An observation is plain data: in a cluster, workers send them to the primary, which
// runs the detectors once for all of them (cluster-detection.ts).
import { callerBlockKey } from './block-key.ts';
import { clientBlockKey, clientKey } from './subnet.ts';

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
  /** What an enforce-mode detector blocks: "ip:<address>", "net:<cidr>", "consumer:<id>" or "subject:<qualified subject>". */
  readonly blockKey: string;
}

/** One finished request, as the detectors (and the audit event of a finding) need it. */
export interface Observation {
  /** Epoch milliseconds. */
  readonly time: number;
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly ip: string;
  /** The identity's consumer id and subject as they are (for alerts and audit events). */
  readonly consumer: string | null;
  readonly subject: string | null;
  /** Without a consumer id, the subject qualified by auth method and issuer (auth/identity.ts), the
   *  caller the detectors count; null with a consumer id or without a subject. */
  readonly qualifiedSubject: string | null;
  /** null: the request matched no route. */
  readonly api: string | null;
  readonly operation: string | null;
  /** The values of the operation's path parameters, each followed by "\0"; "" without any. */
  readonly ids: string;
  /** Keyed fingerprint of a refused credential (never the credential). */
  readonly failedCredential: string | null;
}

export interface Detector {
  /** Whether this detector counts such a request at all (what a cluster worker sends on). */
  wants(o: Observation): boolean;
  /** Sees one finished request; returns a finding when this request makes the detector fire. */
  observe(o: Observation): Finding | undefined;
}

/**
 * The caller a per-caller detector counts: the consumer, else the qualified subject (client IP when
 * anonymous), or the client IP. An IPv6 client is its /64 network, and blocking it blocks that network
 * (subnet.ts). `caller` is what the evidence shows; detectors count by `blockKey`, whose kind prefix
 * keeps a consumer id, a subject and an address of the same text apart.
 */
export function callerOf(o: Observation, by: 'ip' | 'consumer'): { caller: string; blockKey: string } {
  const blockKey = by === 'consumer' ? callerBlockKey(o.consumer, o.qualifiedSubject) : undefined;
  if (blockKey === undefined) return { caller: clientKey(o.ip), blockKey: clientBlockKey(o.ip) };
  return { caller: o.consumer ?? o.qualifiedSubject!, blockKey };
}
