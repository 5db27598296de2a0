// Feeds the anomaly detectors and the alert rules from the observer. Allowed requests only reach
// the detectors (and only when some are configured); refusals, errors and findings become signals.
// A finding is also written to the audit trail (verdict report, policy "anomaly"; with `blocked`,
// `blockedUntil` and `block` in its evidence when an enforce-mode detector blocked the caller).
import type { RequestContext } from '../../core/context.ts';
import { snapshot, type AuditVerdict } from '../audit/event.ts';
import type { AuditSink } from '../observer.ts';
import type { AnomalyDetectors } from '../anomaly/detectors.ts';
import type { AlertEngine } from './engine.ts';

export class Watcher {
  readonly #detectors: AnomalyDetectors;
  readonly #engine: AlertEngine;
  readonly #audit: AuditSink | undefined;

  constructor(detectors: AnomalyDetectors, engine: AlertEngine, audit: AuditSink | undefined) {
    this.#detectors = detectors;
    this.#engine = engine;
    this.#audit = audit;
  }

  observe(ctx: RequestContext, status: number, verdict: AuditVerdict, now: number, policy: string | null): void {
    const identity = ctx.identity;
    const base = {
      time: now, ip: ctx.clientIp, consumer: identity?.consumerId ?? identity?.subject ?? null, requestId: ctx.id,
      api: ctx.api ?? null, operation: ctx.operationId ?? null,
    };
    if (verdict === 'deny' || verdict === 'error') {
      this.#engine.observe({ ...base, signal: verdict === 'deny' ? 'denied' : 'error', reason: ctx.errorCode ?? ctx.decisions?.[0]?.code ?? null, policy });
    }
    if (!this.#detectors.enabled) return;
    this.#detectors.check(ctx, status, now, (finding) => {
      this.#engine.observe({ ...base, signal: 'anomaly', reason: finding.reason, policy: 'anomaly', details: finding.details });
      const audit = this.#audit;
      if (audit) {
        const event = snapshot(ctx, status, 'report', audit.writer.chain, audit.redact);
        audit.writer.push({ ...event, policy: 'anomaly', reason: finding.reason, decisions: null, evidence: JSON.stringify(finding.details) }, true);
      }
    });
  }
}
