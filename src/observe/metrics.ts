// Prometheus metrics (prom-client, one registry per process). Labels are bounded: API and operation
// names come from the config, status class and decision are small enums; never a consumer or an IP
// (the admin API's top-k sketches answer "who"). The hot path keeps the labelled children it needs
// per operation (OpMetrics), so recording a request is a few increments, no label hashing.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Decision } from '../core/context.ts';
import type { AuditVerdict } from './audit/event.ts';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const VERDICTS: readonly AuditVerdict[] = ['allow', 'deny', 'report', 'error'];
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

export interface AuditCounters {
  readonly written: number;
  readonly droppedAllowed: number;
  readonly droppedDecisions: number;
  readonly storeErrors: number;
  readonly buffered: number;
}

/** The labelled children of one operation. */
export interface OpMetrics {
  readonly duration: { observe(v: number): void };
  readonly upstream: { observe(v: number): void };
  readonly requests: ({ inc(): void } | undefined)[];
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'api' | 'operation' | 'status_class' | 'decision'>;
  readonly #duration: Histogram<'api' | 'operation'>;
  readonly #upstream: Histogram<'api' | 'operation'>;
  readonly #denials: Counter<'policy' | 'reason'>;
  readonly #reports: Counter<'policy' | 'reason'>;
  readonly #reloads: Counter<'result'>;
  readonly #denialChildren = new Map<string, { inc(): void }>();

  constructor(audit: () => AuditCounters | undefined) {
    const registers = [this.registry];
    this.#requests = new Counter({ name: 'portcullis_requests_total', help: 'Requests by API, operation, status class and decision (allow, deny, report, error).', labelNames: ['api', 'operation', 'status_class', 'decision'], registers });
    this.#duration = new Histogram({ name: 'portcullis_request_duration_seconds', help: 'Time from the request head to the end of the response, by API and operation.', labelNames: ['api', 'operation'], buckets: LATENCY_BUCKETS, registers });
    this.#upstream = new Histogram({ name: 'portcullis_upstream_duration_seconds', help: 'Time the upstream took to answer (response head), by API and operation.', labelNames: ['api', 'operation'], buckets: LATENCY_BUCKETS, registers });
    this.#denials = new Counter({ name: 'portcullis_denials_total', help: 'Refused requests by deciding policy ("route" for 404/405, "gateway" for the gateway\'s own limits and upstream failures) and reason code. Rate-limit rejections are reason="PCL_ERR_RATE_LIMITED".', labelNames: ['policy', 'reason'], registers });
    this.#reports = new Counter({ name: 'portcullis_report_findings_total', help: 'Findings of report-mode policies (the request went through) by policy and reason code.', labelNames: ['policy', 'reason'], registers });
    this.#reloads = new Counter({ name: 'portcullis_config_reloads_total', help: 'Config reloads by result (success, failure).', labelNames: ['result'], registers });
    // Audit counters live in the writer; these gauges read them at scrape time.
    const fromAudit = (name: string, help: string, read: (a: AuditCounters, set: (value: number, kind?: string) => void) => void, labelNames: string[] = []) =>
      new Gauge({
        name, help, labelNames, registers,
        collect(this: Gauge) {
          const a = audit();
          if (a) read(a, (value, kind) => (kind === undefined ? this.set(value) : this.set({ kind }, value)));
        },
      });
    fromAudit('portcullis_audit_events_written_total', 'Audit events written to the store (a counter, read from the writer at scrape time).', (a, set) => set(a.written));
    fromAudit('portcullis_audit_events_dropped_total', 'Audit events dropped because the buffer was full, by kind: allowed (sampled allowed requests) or decision (denials, findings, errors: also logged as errors).', (a, set) => (set(a.droppedAllowed, 'allowed'), set(a.droppedDecisions, 'decision')), ['kind']);
    fromAudit('portcullis_audit_events_buffered', 'Audit events waiting in memory for the store.', (a, set) => set(a.buffered));
    fromAudit('portcullis_store_errors_total', 'Failed writes to the audit store (retried).', (a, set) => set(a.storeErrors));
    collectDefaultMetrics({ register: this.registry, prefix: 'portcullis_' });
  }

  forOperation(api: string, operation: string): OpMetrics {
    return {
      duration: this.#duration.labels(api, operation),
      upstream: this.#upstream.labels(api, operation),
      requests: [],
    };
  }

  /** Counts one finished request on its operation's children. */
  record(op: OpMetrics, api: string, operation: string, status: number, verdict: AuditVerdict, seconds: number, upstreamMs: number, decisions: readonly Decision[] | undefined, errorCode: string | undefined): void {
    const cls = status >= 100 && status < 600 ? ((status / 100) | 0) - 1 : 4;
    const slot = cls * 4 + VERDICTS.indexOf(verdict);
    let counter = op.requests[slot];
    if (counter === undefined) counter = op.requests[slot] = this.#requests.labels(api, operation, STATUS_CLASSES[cls]!, verdict);
    counter.inc();
    op.duration.observe(seconds);
    if (upstreamMs >= 0) op.upstream.observe(upstreamMs / 1000);
    if (verdict === 'allow') return;
    if (decisions !== undefined) {
      for (const d of decisions) this.#count(d.verdict === 'deny' ? 'deny' : 'report', d.policy, d.code ?? 'none');
      if (decisions.some((d) => d.verdict === 'deny')) return;
    }
    if (verdict === 'deny' && errorCode !== undefined) this.#count('deny', errorCode === 'PCL_ERR_ROUTE_NOT_FOUND' || errorCode === 'PCL_ERR_METHOD_NOT_ALLOWED' ? 'route' : 'gateway', errorCode);
  }

  #count(kind: 'deny' | 'report', policy: string, reason: string): void {
    const key = `${kind}\0${policy}\0${reason}`;
    let child = this.#denialChildren.get(key);
    if (child === undefined) {
      child = (kind === 'deny' ? this.#denials : this.#reports).labels(policy, reason);
      this.#denialChildren.set(key, child);
    }
    child.inc();
  }

  reloaded(ok: boolean): void {
    this.#reloads.inc({ result: ok ? 'success' : 'failure' });
  }
}
