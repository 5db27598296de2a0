// Observability in cluster mode (`serve --workers N`). Workers do the recording: each keeps its own
// metrics, stats and inventory and writes its own audit chain ("<chain>/w<slot>", a replacement
// worker continues its slot's chain) straight to the store — no request's event crosses IPC, no
// process is a bottleneck, and a worker that dies loses only its own unflushed buffer. Only the
// changes administrators make through the primary's admin API are handed to a worker to write
// (observe/admin-record.ts). The primary runs the admin
// listener: it aggregates worker metrics with prom-client's AggregatorRegistry, asks every worker for
// its stats and inventory over IPC (ask-workers.ts: merged, missing workers skipped after 2 s), and reads events
// from the store.
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/types.ts';
import { clusterAdminRecorder } from '../observe/admin-record.ts';
import { enforcing } from '../observe/anomaly/detectors.ts';
import { clusterBlockAdmin } from '../observe/anomaly/block-sync.ts';
import { askWorkers } from '../observe/ask-workers.ts';
import { inventoryStoreOf, openAuditStore, type Observability } from '../observe/index.ts';
import { ownNode, storedInventory } from '../observe/inventory/stored.ts';
import { sharedStore } from '../store/open.ts';
import type { Store } from '../store/types.ts';
import type { AdminSources } from './admin-api/index.ts';
import type { RouteInfo } from './runtime.ts';

const REQUEST = 'portcullis:observe-request';
const RESPONSE = 'portcullis:observe-response';

type What = 'stats' | 'inventory';
interface ObserveRequest { type: typeof REQUEST; id: number; what: What }
interface ObserveResponse { type: typeof RESPONSE; id: number; data: unknown }

/** In a worker: answer the primary's metrics and snapshot requests. */
export async function answerPrimary(observe: Observability): Promise<void> {
  const { AggregatorRegistry } = await import('prom-client');
  AggregatorRegistry.setRegistries([observe.metrics.registry]);
  new AggregatorRegistry(); // installs prom-client's worker-side listener
  process.on('message', (message: ObserveRequest) => {
    if (message?.type !== REQUEST) return;
    const data = message.what === 'stats' ? observe.observer.stats.raw() : observe.observer.usage.raw();
    process.send?.({ type: RESPONSE, id: message.id, data } satisfies ObserveResponse);
  });
}

export interface PrimaryObserve {
  readonly sources: AdminSources;
  close(): Promise<void>;
}

/** In the primary: the admin API's sources, gathered from the workers. */
export async function primarySources(config: GatewayConfig, baseDir: string, routes: () => readonly RouteInfo[], logger: Logger): Promise<PrimaryObserve> {
  const { AggregatorRegistry } = await import('prom-client');
  const aggregator = new AggregatorRegistry();
  const store: Store | undefined = config.audit.enabled && config.admin.api ? await openAuditStore(config, baseDir) : undefined;
  // Where the workers save their inventory: read for /api/inventory?scope=all.
  const inventoryLocation = inventoryStoreOf(config);
  const ask = askWorkers<ObserveResponse>(RESPONSE);
  const collect = async <T>(what: What): Promise<T[]> => {
    const replies = await ask(
      (w, id) => w.send({ type: REQUEST, id, what } satisfies ObserveRequest),
      (answered, workers) => logger.warn({ what, answered, workers }, 'some workers did not answer the admin API in time'),
    );
    return replies.map((r) => r.data as T);
  };
  return {
    sources: {
      metrics: config.admin.metrics,
      api: config.admin.api,
      events: store?.audit,
      routes,
      stats: () => collect('stats'),
      inventory: config.inventory.enabled ? () => collect('inventory') : undefined,
      blocks: enforcing(config.alerts.anomalies) ? clusterBlockAdmin() : undefined,
      // The workers write the audit trail: the primary hands them administrators' changes.
      recordChange: config.audit.enabled ? clusterAdminRecorder() : undefined,
      storedInventory: inventoryLocation === undefined ? undefined : async () => storedInventory((await sharedStore(inventoryLocation, baseDir)).inventory, ownNode(config.audit.chain ?? hostname())),
      prometheus: async () => ({ contentType: aggregator.contentType, text: await aggregator.clusterMetrics() }),
    },
    close: async () => store?.close(),
  };
}
