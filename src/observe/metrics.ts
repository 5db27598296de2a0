// Prometheus metrics (prom-client registry and text format). Labels are bounded: API and operation
// names come from the config, status class and decision are small enums; never a consumer or an IP
// (the admin API's top-k sketches answer "who"). The per-request series are plain numbers the hot
// path increments in a per-operation object (no label hashing per request, unlike prom-client's
// labelled children, which cost ~0.7 µs per call); prom-client reads them at scrape time through
// metric objects of its own shape, which its AggregatorRegistry also adds up across workers.
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { Decision } from '../core/context.ts';
import type { AuditVerdict } from './audit/event.ts';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const VERDICTS: readonly AuditVerdict[] = ['allow', 'deny', 'report', 'error'];
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

export interface AuditCounters {
  readonly written: number;
  readonly droppedAllowed: number;
  readonly droppedDecisions: number;
  readonly unstorable: number;
  readonly storeErrors: number;
  readonly buffered: number;
}

/** A latency histogram in plain numbers: counts per bucket (last: above every bound), sum, count. */
class Latency {
  readonly counts = new Float64Array(LATENCY_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  observe(seconds: number): void {
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

/** The series of one operation. */
export class OpMetrics {
  readonly api: string;
  readonly operation: string;
  /** Requests by status class × decision (5 × 4). */
  readonly requests = new Float64Array(STATUS_CLASSES.length * VERDICTS.length);
  readonly duration = new Latency();
  readonly upstream = new Latency();

  constructor(api: string, operation: string) {
    this.api = api;
    this.operation = operation;
  }
}

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** A metric prom-client's Registry and AggregatorRegistry can read: name, type and samples at scrape time. */
function readAtScrape(registry: Registry, name: string, help: string, type: 'counter' | 'histogram', samples: () => Sample[]): void {
  registry.registerMetric({ name, help, type, aggregator: 'sum', get: async () => ({ name, help, type, aggregator: 'sum', values: samples() }) } as unknown as Metric);
}

function histogramSamples(name: string, ops: readonly OpMetrics[], pick: (op: OpMetrics) => Latency): Sample[] {
  const out: Sample[] = [];
  for (const op of ops) {
    const h = pick(op);
    if (h.count === 0) continue;
    const labels = { api: op.api, operation: op.operation };
    let cumulative = 0;
    for (let i = 0; i <= LATENCY_BUCKETS.length; i++) {
      cumulative += h.counts[i]!;
      out.push({ labels: { le: i < LATENCY_BUCKETS.length ? LATENCY_BUCKETS[i]! : '+Inf', ...labels }, value: cumulative, metricName: `${name}_bucket` });
    }
    out.push({ labels, value: h.sum, metricName: `${name}_sum` }, { labels, value: h.count, metricName: `${name}_count` });
  }
  return out;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #ops: OpMetrics[] = [];
  /** Denials and report findings by "deny|report\0policy\0reason". */
  readonly #decisions = new Map<string, number>();
  readonly #reloads: Counter<'result'>;

  constructor(audit: () => AuditCounters | undefined) {
    const registers = [this.registry];
    readAtScrape(this.registry, 'portcullis_requests_total', 'Requests by API, operation, status class and decision (allow, deny, report, error).', 'counter', () =>
      this.#ops.flatMap((op) => {
        const out: Sample[] = [];
        op.requests.forEach((value, slot) => {
          if (value > 0) out.push({ labels: { api: op.api, operation: op.operation, status_class: STATUS_CLASSES[(slot / VERDICTS.length) | 0]!, decision: VERDICTS[slot % VERDICTS.length]! }, value });
        });
        return out;
      }),
    );
    readAtScrape(this.registry, 'portcullis_request_duration_seconds', 'Time from the request head to the end of the response, by API and operation.', 'histogram', () =>
      histogramSamples('portcullis_request_duration_seconds', this.#ops, (op) => op.duration),
    );
    readAtScrape(this.registry, 'portcullis_upstream_duration_seconds', 'Time the upstream took to answer (response head), by API and operation.', 'histogram', () =>
      histogramSamples('portcullis_upstream_duration_seconds', this.#ops, (op) => op.upstream),
    );
    const decisionSamples = (kind: string) => () =>
      [...this.#decisions].filter(([key]) => key.startsWith(`${kind}\0`)).map(([key, value]) => {
        const [, policy, reason] = key.split('\0');
        return { labels: { policy: policy!, reason: reason! }, value };
      });
    readAtScrape(this.registry, 'portcullis_denials_total', 'Refused requests by deciding policy ("route" for 404/405, "gateway" for the gateway\'s own limits) and reason code. Rate-limit rejections are reason="PCL_ERR_RATE_LIMITED".', 'counter', decisionSamples('deny'));
    readAtScrape(this.registry, 'portcullis_report_findings_total', 'Findings of report-mode policies (the request went through) by policy and reason code.', 'counter', decisionSamples('report'));
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
    fromAudit(
      'portcullis_audit_events_dropped_total',
      'Audit events dropped, by kind: allowed (sampled allowed requests) or decision (denials, findings, errors: also logged as errors) because the buffer was full; unstorable: refused by the store, a placeholder event stands in for each on the chain (logged as errors).',
      (a, set) => (set(a.droppedAllowed, 'allowed'), set(a.droppedDecisions, 'decision'), set(a.unstorable, 'unstorable')),
      ['kind'],
    );
    fromAudit('portcullis_audit_events_buffered', 'Audit events waiting in memory for the store.', (a, set) => set(a.buffered));
    fromAudit('portcullis_store_errors_total', 'Failed writes to the audit store (retried).', (a, set) => set(a.storeErrors));
    collectDefaultMetrics({ register: this.registry, prefix: 'portcullis_' });
  }

  forOperation(api: string, operation: string): OpMetrics {
    const op = new OpMetrics(api, operation);
    this.#ops.push(op);
    return op;
  }

  /** Counts one finished request on its operation's series. */
  record(op: OpMetrics, status: number, verdict: AuditVerdict, seconds: number, upstreamMs: number, decisions: readonly Decision[] | undefined, errorCode: string | undefined): void {
    const cls = status >= 100 && status < 600 ? ((status / 100) | 0) - 1 : 4;
    op.requests[cls * VERDICTS.length + VERDICTS.indexOf(verdict)]!++;
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
    this.#decisions.set(key, (this.#decisions.get(key) ?? 0) + 1);
  }

  reloaded(ok: boolean): void {
    this.#reloads.inc({ result: ok ? 'success' : 'failure' });
  }
}
