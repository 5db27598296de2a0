// Anomaly detection for `serve --workers N`: the kernel spreads a caller's connections over the
// workers, so counting in each worker would see a fraction of what the caller does and fire N times
// too late. Instead each worker sends the primary the requests some detector counts (all of them with
// rateJump; otherwise only 404/405s, refused credentials and calls with object ids), in batches every
// 50 ms, and the primary runs the one set of detectors of the cluster. A finding goes back to the
// worker that sent the request that made it fire, which handles it as a local one: the block (shared
// with every worker and, with shareBlocks, other gateways), the alert signal and the audit event.
// Requests never wait for any of this; a block takes effect one batch later.
import type { Worker } from 'node:cluster';
import type { AnomaliesConfig } from '../alerts/schema.ts';
import { AnomalyDetectors, type Finding, type Observation } from './detectors.ts';

const OBSERVATIONS = 'pcl:anomaly-observations';
const FINDING = 'pcl:anomaly-finding';
const FLUSH_MS = 50;
const MAX_BATCH = 512;

/** An observation on the wire: a fixed-order array (no key names repeated in every message). */
type Wire = [number, string, string, string, number, string, string | null, string | null, string | null, string | null, string | null, string, string | null];

export function toWire(o: Observation): Wire {
  return [o.time, o.requestId, o.method, o.path, o.status, o.ip, o.consumer, o.subject, o.qualifiedSubject, o.api, o.operation, o.ids, o.failedCredential];
}

const str = (v: unknown): v is string => typeof v === 'string';
const strOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';

export function fromWire(w: unknown): Observation | undefined {
  if (!Array.isArray(w) || w.length !== 13) return undefined;
  const [time, requestId, method, path, status, ip, consumer, subject, qualifiedSubject, api, operation, ids, failedCredential] = w as unknown[];
  if (typeof time !== 'number' || typeof status !== 'number' || !str(requestId) || !str(method) || !str(path) || !str(ip) || !str(ids)) return undefined;
  if (!strOrNull(consumer) || !strOrNull(subject) || !strOrNull(qualifiedSubject) || !strOrNull(api) || !strOrNull(operation) || !strOrNull(failedCredential)) return undefined;
  return { time, requestId, method, path, status, ip, consumer, subject, qualifiedSubject, api, operation, ids, failedCredential };
}

type FindingHandler = (o: Observation, finding: Finding, blockMs: number) => void;

/** In a worker: sends observations to the primary and hands its findings back to `onFinding`. */
export class ClusterDetection {
  #batch: Wire[] = [];
  #timer: NodeJS.Timeout | undefined = undefined;

  constructor(onFinding: FindingHandler) {
    process.on('message', (m: { type?: unknown; o?: unknown; finding?: Finding; blockMs?: unknown } | null) => {
      if (m?.type !== FINDING || typeof m.blockMs !== 'number' || typeof m.finding?.blockKey !== 'string') return;
      const o = fromWire(m.o);
      if (o !== undefined) onFinding(o, m.finding, m.blockMs);
    });
  }

  push(o: Observation): void {
    this.#batch.push(toWire(o));
    if (this.#batch.length >= MAX_BATCH) this.#flush();
    else this.#timer ??= setTimeout(() => this.#flush(), FLUSH_MS).unref();
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#batch;
    this.#batch = [];
    if (batch.length > 0) process.send?.({ type: OBSERVATIONS, batch });
  }
}

let detectors: AnomalyDetectors | undefined;

/** In the primary: runs the cluster's detectors on what `worker` sends and answers it with findings. */
export function serveDetection(worker: Worker, config: AnomaliesConfig): void {
  detectors ??= new AnomalyDetectors(config);
  if (!detectors.enabled) return;
  const cluster = detectors;
  worker.on('message', (m: { type?: unknown; batch?: unknown } | null) => {
    if (m?.type !== OBSERVATIONS || !Array.isArray(m.batch)) return;
    for (const w of m.batch as unknown[]) {
      const o = fromWire(w);
      if (o === undefined) continue;
      cluster.detect(o, (finding, blockMs) => {
        if (worker.isConnected()) worker.send({ type: FINDING, o: w, finding, blockMs });
      });
    }
  });
}
