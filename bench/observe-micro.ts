// Micro-benchmark of the per-request observer (metrics, stats, inventory, and the audit push when
// enabled) on a finished request context: ns per call. `node bench/observe-micro.ts`
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { RequestContext } from '../src/core/context.ts';
import { AlertEngine } from '../src/observe/alerts/engine.ts';
import { Watcher } from '../src/observe/alerts/watcher.ts';
import { WebhookSender } from '../src/observe/alerts/webhook.ts';
import { Blocks } from '../src/observe/anomaly/blocks.ts';
import { AnomalyDetectors } from '../src/observe/anomaly/detectors.ts';
import { AuditWriter } from '../src/observe/audit/writer.ts';
import { BodySampler } from '../src/observe/inventory/sampler.ts';
import { GatewayMetrics } from '../src/observe/metrics.ts';
import { RequestObserver } from '../src/observe/observer.ts';
import type { Runtime } from '../src/server/runtime.ts';
import { SqliteStore } from '../src/store/sqlite.ts';

const N = 300_000;
const runtime = { routes: [{ api: 'shop', operationId: 'getOrder', method: 'GET', path: '/orders/{id}', deprecated: false, documented: true }] } as unknown as Runtime;
// A catch-all route (APIs without a document): every call is also listed, templated, as undocumented.
const catchAll = { routes: [{ api: 'shop', operationId: 'getOrder', method: '*', path: '/*', deprecated: false, documented: false }] } as unknown as Runtime;
const socket = { bytesRead: 0, bytesWritten: 0 };
const req = { socket, method: 'GET', headers: {} } as unknown as IncomingMessage;
const post = { socket, method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': '27' } } as unknown as IncomingMessage;
const requestBody = Buffer.from('{"productId":7,"quantity":2}');
const responseBody = Buffer.from('{"id":1,"productId":7,"quantity":2,"total":19.9,"createdAt":"2026-01-31T12:00:00Z"}');

function context(i: number, deny: boolean, withBodies = false): RequestContext {
  const ctx = new RequestContext(withBodies ? post : req, {} as ServerResponse, performance.now() - 1);
  if (withBodies) {
    // Bodies a policy held (validate, response-filter): the sampler may take them; media types are counted.
    ctx.body = requestBody;
    ctx.responseBody = responseBody;
    ctx.responseType = 'application/json; charset=utf-8';
  }
  ctx.id = `req-${i}`;
  ctx.clientIp = `10.0.${i & 255}.${(i >> 8) & 255}`;
  ctx.path = `/orders/${i}`;
  ctx.api = 'shop';
  ctx.operationId = 'getOrder';
  ctx.params = { id: String(i) };
  ctx.upstreamMs = 0.5;
  if (deny) {
    ctx.errorCode = 'PCL_ERR_FORBIDDEN';
    ctx.record('authorize', 'deny', 'PCL_ERR_FORBIDDEN');
  }
  return ctx;
}

async function measure(name: string, observer: RequestObserver, deny: boolean, after?: () => Promise<void>, withBodies = false) {
  const contexts = Array.from({ length: 1000 }, (_, i) => context(i, deny, withBodies));
  for (let i = 0; i < 20_000; i++) observer.record(contexts[i % 1000]!, deny ? 403 : 200); // warm-up
  const start = performance.now();
  for (let i = 0; i < N; i++) observer.record(contexts[i % 1000]!, deny ? 403 : 200);
  const ns = ((performance.now() - start) * 1e6) / N;
  await after?.();
  process.stdout.write(`${name.padEnd(44)} ${ns.toFixed(0).padStart(6)} ns/request\n`);
}

const logger = pino({ level: 'silent' });
await measure('metrics + stats + inventory (allowed)', new RequestObserver(() => runtime, new GatewayMetrics(() => undefined), undefined, () => {}), false);
await measure('same, through a catch-all route', new RequestObserver(() => catchAll, new GatewayMetrics(() => undefined), undefined, () => {}), false);
const sampling = new RequestObserver(() => runtime, new GatewayMetrics(() => undefined), undefined, () => {});
sampling.sampler = new BodySampler({ samples: 20, maxBodyBytes: 65536, streamedRate: 0 });
await measure('same, POST with JSON bodies (media, sampler)', sampling, false, undefined, true);
await measure('metrics + stats + inventory (denied)', new RequestObserver(() => runtime, new GatewayMetrics(() => undefined), undefined, () => {}), true);
// Every anomaly detector on, in report mode (anonymous calls: 1,000 callers by client IP).
const anomalies = {
  idEnumeration: { distinctIds: 100, window: '1m', by: 'consumer', mode: 'report', blockFor: '10m' },
  scanning: { notFound: 30, window: '1m', mode: 'report', blockFor: '10m' },
  credentialStuffing: { distinctCredentials: 20, window: '10m', ipv4Prefix: 24, ipv6Prefix: 64, mode: 'report', blockFor: '10m' },
  rateJump: { interval: '10s', smoothing: 0.2, warmup: 6, minRequests: 50, rateFactor: 5, errorFactor: 3, minErrorRatio: 0.5, by: 'consumer', mode: 'report', blockFor: '10m' },
} as const;
const watched = new RequestObserver(() => runtime, new GatewayMetrics(() => undefined), undefined, () => {});
const sender = new WebhookSender(logger);
watched.watcher = new Watcher(new AnomalyDetectors(anomalies), new Blocks(), new AlertEngine({ webhooks: [], rules: [], anomalies }, sender, logger), undefined, false);
await measure('+ every anomaly detector (allowed)', watched, false);
sender.close();
const dir = await mkdtemp(join(tmpdir(), 'pcl-observe-bench-'));
const store = new SqliteStore(join(dir, 'audit.db'));
await store.migrate();
const writer = await AuditWriter.open({ store: store.audit, chain: 'bench', logger, bufferSize: 2 * N, batchSize: 500, flushMs: 250, checkpointEvery: 1000, checkpointMs: 60_000, retentionMs: 0 });
const sink = { writer, sampleAllowed: 1, redact: new Set<string>() };
// Every request audited, the writer flushing as it would (the loop yields every 500 requests):
// the whole cost of an audited request, recording + snapshot + hash + SQLite insert.
const observer = new RequestObserver(() => runtime, new GatewayMetrics(() => undefined), sink, () => {});
const contexts = Array.from({ length: 1000 }, (_, i) => context(i, false));
const start = performance.now();
for (let i = 0; i < N; i++) {
  observer.record(contexts[i % 1000]!, 200);
  if (i % 500 === 499) await new Promise((r) => setImmediate(r));
}
await writer.close();
process.stdout.write(`${'+ audit of every request (push, hash, SQLite)'.padEnd(44)} ${(((performance.now() - start) * 1e6) / N).toFixed(0).padStart(6)} ns/request (${writer.written} events written, ${writer.droppedAllowed} dropped)\n`);
await store.close();
await rm(dir, { recursive: true, force: true });
