// Sets up what watches the traffic, from the config: metrics, live stats, the inventory (its body
// sampler, and its snapshot loaded from the store and saved periodically) and the audit writer (its
// store opened and migrated, its chain continued). The gateway wraps its access log with `wrap` (one
// call per finished request) and hands `adminSources` to the admin listener.
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from '../config/load.ts';
import type { GatewayConfig } from '../config/types.ts';
import { toBytes, toMs } from '../config/units.ts';
import type { AdminSources } from '../server/admin-api/index.ts';
import type { Runtime } from '../server/runtime.ts';
import { isClusterWorker } from '../store/counters/shared.ts';
import { describeStore, isPostgresUrl, openStore } from '../store/open.ts';
import type { Store } from '../store/types.ts';
import type { AccessLog } from './access-log.ts';
import { answerAdminRecords, writeAdminChange } from './admin-record.ts';
import { loadSigner } from './audit/signer.ts';
import { AuditWriter } from './audit/writer.ts';
import { AlertEngine } from './alerts/engine.ts';
import { Watcher } from './alerts/watcher.ts';
import { WebhookSender } from './alerts/webhook.ts';
import { sharedBlocks } from './anomaly/blocks.ts';
import { shareBlocksThroughRedis, type BlockSharing } from './anomaly/block-redis.ts';
import { BlockControl } from './anomaly/block-control.ts';
import { joinClusterBlocks, localBlockAdmin, type BlockAdmin } from './anomaly/block-sync.ts';
import { AnomalyDetectors, enforcing } from './anomaly/detectors.ts';
import { InventoryPersistence } from './inventory/persist.ts';
import { ownNode, storedInventory } from './inventory/stored.ts';
import { BodySampler } from './inventory/sampler.ts';
import type { GatewayMetrics } from './metrics.ts';
import { RequestObserver } from './observer.ts';

export interface Observability {
  readonly observer: RequestObserver;
  readonly metrics: GatewayMetrics;
  readonly writer: AuditWriter | undefined;
  readonly store: Store | undefined;
  /** The inventory's body sampler, when schemas are inferred (the proxy copies streamed bodies for it). */
  readonly sampler: BodySampler | undefined;
  wrap(log: AccessLog): AccessLog;
  /** What this process's admin listener serves. */
  adminSources(): AdminSources;
  close(): Promise<void>;
}

export interface ObserveOptions {
  readonly config: GatewayConfig;
  readonly baseDir: string;
  /** The config file, for messages. */
  readonly file: string;
  readonly logger: Logger;
  readonly runtime: () => Runtime;
  /** Added to the chain name: each cluster worker writes its own chain ("/w1"...). */
  readonly chainSuffix?: string;
}

export async function startObservability(o: ObserveOptions): Promise<Observability> {
  const { config, logger } = o;
  const alerts = config.alerts;
  const names = alerts.webhooks.map((w) => w.name);
  for (const [i, rule] of alerts.rules.entries()) {
    const unknown = rule.webhooks?.find((w) => !names.includes(w));
    if (unknown !== undefined) throw new ConfigError([{ file: o.file, path: `alerts.rules[${i}].webhooks`, message: `no webhook named "${unknown}" in alerts.webhooks` }]);
  }
  if (toMs(config.inventory.saveInterval) < 100) throw new ConfigError([{ file: o.file, path: 'inventory.saveInterval', message: 'must be at least 100ms' }]);
  const loopback = /^(127\.|::1$|localhost$)/.test(config.admin.host);
  if (config.admin.enabled && !config.admin.token && !config.admin.oidc && !loopback && (config.admin.api || config.admin.metrics)) {
    logger.warn({ host: config.admin.host }, 'the admin API and metrics are served without a token on a non-loopback address: set admin.token');
  }
  let writer: AuditWriter | undefined;
  let store: Store | undefined;
  if (config.audit.enabled) {
    store = await openAuditStore(config, o.baseDir);
    try {
      writer = await AuditWriter.open({
        store: store.audit,
        chain: `${config.audit.chain ?? hostname()}${o.chainSuffix ?? ''}`,
        logger: logger.child({ component: 'audit' }),
        signer: config.audit.signingKey ? signerFrom(config.audit.signingKey, o.baseDir, o.file) : undefined,
        bufferSize: config.audit.bufferSize,
        batchSize: config.audit.batchSize,
        flushMs: toMs(config.audit.flushInterval),
        checkpointEvery: config.audit.checkpointEvery,
        checkpointMs: toMs(config.audit.checkpointInterval),
        retentionMs: toMs(config.audit.retention),
      });
    } catch (error) {
      await store.close();
      throw error;
    }
    // Event batches are written on the event loop; the log's periodic copy into the file need not be.
    store.checkpointInBackground?.();
    if (!config.audit.signingKey) logger.warn('audit.signingKey is not set: audit checkpoints are not signed (see docs/audit-trail.md)');
  }
  // Loaded here, not at import: commands other than serve never pay for prom-client.
  const { GatewayMetrics } = await import('./metrics.ts');
  const metrics = new GatewayMetrics(() => writer);
  const sink = writer && { writer, sampleAllowed: config.audit.sampleAllowed, redact: new Set(config.audit.redact.map((r) => r.toLowerCase())) };
  // A cluster worker writes the admin changes its primary hands over (admin-record.ts).
  if (sink) answerAdminRecords(sink);
  // Only what someone can read is recorded: metrics and live stats are served by the admin listener.
  const served = config.admin.enabled;
  const record = { inventory: config.inventory.enabled, stats: served && config.admin.api };
  const observer = new RequestObserver(o.runtime, served && config.admin.metrics ? metrics : undefined, sink, (error) => logger.error({ err: error }, 'request observer failed'), record);
  const a = alerts.anomalies;
  const watching = alerts.rules.length > 0 || [a.idEnumeration, a.scanning, a.credentialStuffing, a.rateJump].some((d) => d !== undefined);
  const sender = watching ? new WebhookSender(logger.child({ component: 'alerts' })) : undefined;
  let sharing: BlockSharing | undefined;
  let blockAdmin: BlockAdmin | undefined;
  if (sender) {
    const blocks = sharedBlocks();
    if (enforcing(a)) {
      const control = new BlockControl(blocks, sink || undefined);
      blockAdmin = localBlockAdmin(control);
      joinClusterBlocks(blocks, control);
      if (a.shareBlocks) sharing = await shareBlocksThroughRedis(blocks, a.shareBlocks.redis, a.shareBlocks.prefix, logger.child({ component: 'anomaly' }));
    }
    observer.watcher = new Watcher(new AnomalyDetectors(alerts.anomalies), blocks, new AlertEngine(alerts, sender, logger.child({ component: 'alerts' })), sink, isClusterWorker());
  }
  const inv = config.inventory;
  const sampler = inv.enabled && inv.schemas.enabled
    ? new BodySampler({ samples: inv.schemas.samples, maxBodyBytes: toBytes(inv.schemas.maxBodySize), streamedRate: inv.schemas.streamedRate })
    : undefined;
  observer.sampler = sampler;
  let inventoryStore: Store | undefined;
  let persistence: InventoryPersistence | undefined;
  const inventoryLocation = inventoryStoreOf(config);
  if (inventoryLocation !== undefined) {
    try {
      inventoryStore = store && inventoryLocation === config.audit.store ? store : await openMigratedStore(inventoryLocation, o.baseDir, 'inventory');
      persistence = new InventoryPersistence({
        store: inventoryStore.inventory,
        node: `${config.audit.chain ?? hostname()}${o.chainSuffix ?? ''}`,
        table: observer.usage,
        sampler,
        intervalMs: toMs(inv.saveInterval),
        logger: logger.child({ component: 'inventory' }),
      });
      await persistence.load();
    } catch (error) {
      await writer?.close();
      await store?.close();
      if (inventoryStore !== store) await inventoryStore?.close();
      throw error;
    }
    persistence.start();
  }
  return {
    observer,
    metrics,
    writer,
    store,
    sampler,
    wrap: (log) => (ctx, status, preRoute, chain) => {
      const endedAt = performance.now(); // one clock reading for the log line and the records
      log(ctx, status, preRoute, chain, endedAt);
      observer.later(ctx, status, endedAt);
    },
    adminSources: () => ({
      metrics: config.admin.metrics,
      api: config.admin.api,
      events: store?.audit,
      routes: () => o.runtime().routes,
      stats: async () => [observer.stats.raw()],
      inventory: config.inventory.enabled ? async () => [observer.usage.raw()] : undefined,
      blocks: blockAdmin,
      recordChange: sink && ((action, change) => writeAdminChange(sink, action, change)),
      storedInventory: inventoryStore && (() => storedInventory(inventoryStore.inventory, ownNode(config.audit.chain ?? hostname()))),
      prometheus: async () => ({ contentType: metrics.registry.contentType, text: await metrics.registry.metrics() }),
    }),
    async close() {
      observer.drain();
      sender?.close();
      sharing?.close();
      await persistence?.close();
      await writer?.close();
      await store?.close();
      if (inventoryStore !== store) await inventoryStore?.close();
    },
  };
}

/** Where the inventory is saved: `inventory.store`, else the audit store when the trail is on; none when not persisted. */
export function inventoryStoreOf(config: GatewayConfig): string | undefined {
  const inv = config.inventory;
  return inv.enabled && inv.persist ? (inv.store ?? (config.audit.enabled ? config.audit.store : undefined)) : undefined;
}

/** The audit store, migrated; a SQLite file's folder is created. */
export function openAuditStore(config: GatewayConfig, baseDir: string): Promise<Store> {
  return openMigratedStore(config.audit.store, baseDir, 'audit');
}

async function openMigratedStore(location: string, baseDir: string, what: string): Promise<Store> {
  if (!isPostgresUrl(location) && location !== ':memory:') mkdirSync(dirname(resolve(baseDir, location.replace(/^sqlite:/, ''))), { recursive: true });
  const store = openStore(location, baseDir);
  try {
    await store.migrate();
    return store;
  } catch (error) {
    await store.close().catch(() => {});
    throw new Error(`cannot open the ${what} store ${describeStore(location)}: ${(error as Error).message}`);
  }
}

function signerFrom(signingKey: string, baseDir: string, file: string) {
  const path = resolve(baseDir, signingKey);
  try {
    return loadSigner(path);
  } catch (error) {
    throw new ConfigError([{ file, path: 'audit.signingKey', message: `cannot load the Ed25519 key ${path}: ${(error as Error).message.split('\n')[0]}` }]);
  }
}
