// Feeds the anomaly detectors and the alert rules from the observer. Allowed requests only reach
// the detectors (and only when some are configured); refusals, errors and findings become signals.
// A finding is also written to the audit trail (verdict report, policy "anomaly"; with `blocked`,
// `blockedUntil` and `block` in its evidence when an enforce-mode detector blocked the caller).
// In a cluster worker the detectors run in the primary for every worker (cluster-detection.ts); the
// findings come back here and are handled the same way.
import { qualifiedSubject } from '../../auth/identity.ts';
import type { RequestContext } from '../../core/context.ts';
import { anomalyEvent, type AuditVerdict } from '../audit/event.ts';
import type { AuditSink } from '../observer.ts';
import type { Blocks } from '../anomaly/blocks.ts';
import { ClusterDetection } from '../anomaly/cluster-detection.ts';
import { AnomalyDetectors, applyFinding, type Finding, type Observation } from '../anomaly/detectors.ts';
import type { AlertEngine } from './engine.ts';

export class Watcher {
  readonly #detectors: AnomalyDetectors;
  readonly #blocks: Blocks;
  readonly #engine: AlertEngine;
  readonly #audit: AuditSink | undefined;
  readonly #cluster: ClusterDetection | undefined;

  constructor(detectors: AnomalyDetectors, blocks: Blocks, engine: AlertEngine, audit: AuditSink | undefined, inCluster: boolean) {
    this.#detectors = detectors;
    this.#blocks = blocks;
    this.#engine = engine;
    this.#audit = audit;
    this.#cluster = inCluster && detectors.enabled ? new ClusterDetection((o, f, blockMs) => this.#found(o, f, blockMs)) : undefined;
  }

  observe(ctx: RequestContext, status: number, verdict: AuditVerdict, now: number, policy: string | null): void {
    const signal = alertSignal(verdict, ctx.errorCode);
    if (signal !== undefined) {
      const identity = ctx.identity;
      this.#engine.observe({
        // A subject qualified by auth method and issuer: never counted with a consumer of that name.
        time: now, ip: ctx.clientIp, consumer: identity === undefined ? null : (identity.consumerId ?? qualifiedSubject(identity) ?? null), requestId: ctx.id, api: ctx.api ?? null, operation: ctx.operationId ?? null,
        signal, reason: ctx.errorCode ?? ctx.decisions?.[0]?.code ?? null, policy,
      });
    }
    // A refusal for a block is the block's doing, not new behaviour of the caller.
    if (!this.#detectors.enabled || ctx.errorCode === 'PCL_ERR_CALLER_BLOCKED') return;
    const o = observation(ctx, status, now);
    if (this.#cluster === undefined) this.#detectors.detect(o, (f, blockMs) => this.#found(o, f, blockMs));
    else if (this.#detectors.wants(o)) this.#cluster.push(o);
  }

  #found(o: Observation, found: Finding, blockMs: number): void {
    const finding = applyFinding(this.#blocks, found, blockMs);
    this.#engine.observe({
      time: o.time, ip: o.ip, consumer: o.consumer ?? o.qualifiedSubject, requestId: o.requestId, api: o.api, operation: o.operation,
      signal: 'anomaly', reason: finding.reason, policy: 'anomaly', details: finding.details,
    });
    const audit = this.#audit;
    if (!audit) return;
    audit.writer.push(anomalyEvent(audit.writer.chain, o, 'report', finding.reason, finding.details), true);
  }
}

function observation(ctx: RequestContext, status: number, now: number): Observation {
  let ids = '';
  const params = ctx.params;
  if (params !== undefined && ctx.operationId !== undefined) for (const name in params) if (name !== '*') ids += `${params[name]}\0`;
  const identity = ctx.identity;
  return {
    time: now, requestId: ctx.id, method: ctx.req.method ?? '', path: ctx.path, status, ip: ctx.clientIp,
    consumer: identity?.consumerId ?? null, subject: identity?.subject ?? null,
    qualifiedSubject: identity?.consumerId === undefined && identity !== undefined ? (qualifiedSubject(identity) ?? null) : null, api: ctx.api ?? null, operation: ctx.operationId ?? null,
    ids, failedCredential: ctx.failedCredential ?? null,
  };
}

/**
 * The alert signal of a request's outcome. A connection its client closed is recorded as an error
 * (nothing, or not all, was delivered) but is the client's doing, not a failure to alert on.
 */
export function alertSignal(verdict: AuditVerdict, errorCode: string | undefined): 'denied' | 'error' | undefined {
  if (verdict === 'deny') return 'denied';
  return verdict === 'error' && errorCode !== 'PCL_ERR_CLIENT_CLOSED' ? 'error' : undefined;
}
