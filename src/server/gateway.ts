// One gateway process: compiles the config, opens the listeners, swaps the runtime atomically on
// reload (in-flight requests finish on the one they started with), and drains on shutdown.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ConfigError, loadConfig, type LoadedConfig } from '../config/load.ts';
import type { GatewayConfig, ListenerConfig } from '../config/types.ts';
import { toMs } from '../config/units.ts';
import { createAccessLog, type LineSink } from '../observe/access-log.ts';
import { startObservability, type Observability } from '../observe/index.ts';
import { adminServer } from './admin-dashboard.ts';
import { createHandler, type Gateway } from './handler.ts';
import { createListener, type ApiListener, type ListenerLimits } from './listener.ts';
import { redirectToHttps } from './redirect.ts';
import { settleHeap } from './settle-heap.ts';
import { compileRuntime, listenerTimeouts, type Runtime } from './runtime.ts';

export class StartupError extends Error {}

export interface StartOptions {
  readonly configPath: string;
  readonly logger: Logger & { sink?: LineSink };
  /** Where access-log lines go; defaults to the logger's destination (none: no access log). */
  readonly accessSink?: LineSink;
  /** Run the admin listener in this process (false in cluster workers: the primary runs it). */
  readonly admin?: boolean;
  /** Bind with SO_REUSEPORT so several worker processes share each port. */
  readonly reusePort?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /** The config, when the caller has just read it from configPath (it is not read twice). */
  readonly loaded?: LoadedConfig;
  /** Added to the audit chain's name (cluster workers: "/w<slot>"). */
  readonly chainSuffix?: string;
}

export interface RunningGateway {
  readonly urls: readonly { name: string; url: string }[];
  readonly adminUrl: string | undefined;
  readonly runtime: Runtime;
  /** Metrics, stats, inventory and the audit writer of this process. */
  readonly observe: Observability;
  reload(): Promise<boolean>;
  shutdown(): Promise<void>;
}

export async function startGateway(options: StartOptions): Promise<RunningGateway> {
  const { logger } = options;
  const loaded = options.loaded ?? (await loadConfig(options.configPath, options.env));
  const runtime = await compileRuntime(loaded, logger);
  const config = runtime.config;
  let observe: Observability;
  try {
    observe = await startObservability({ config, baseDir: loaded.baseDir, file: loaded.file, logger, runtime: () => gateway.runtime, chainSuffix: options.chainSuffix });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  const accessSink = options.accessSink ?? logger.sink;
  const access = createAccessLog(accessSink ?? { write: () => true }, {
    enabled: accessSink !== undefined,
    settings: config.log,
    credentials: runtime.forwardOptions.credentials,
  });
  const gateway: Gateway = {
    runtime,
    draining: false,
    accessLog: access.log,
    onInternalError: (error, ctx) => logger.error({ reqId: ctx.id, err: error }, 'internal error while handling a request'),
    tapResponses: config.inventory.schemas.streamedRate > 0 ? observe.sampler?.tapLimit : undefined,
  };
  gateway.accessLog = observe.wrap(gateway.accessLog);
  const handler = createHandler(gateway, { tls: false, hsts: undefined });
  const listeners: ApiListener[] = [];
  for (const lc of config.listeners) {
    let own = handler;
    const redirectPort = lc.redirectToHttps?.port;
    const listener = createListener(lc, limitsOf(config), loaded.baseDir, logger, (req, res) =>
      redirectPort === undefined ? own(req, res) : redirectToHttps(req, res, redirectPort),
    );
    if (lc.tls) own = createHandler(gateway, { tls: true, hsts: listener.hsts });
    listeners.push(listener);
  }
  const admin =
    options.admin !== false && config.admin.enabled
      ? adminServer(config, loaded.baseDir, logger, { ready: () => !gateway.draining }, observe.adminSources())
      : undefined;
  settleHeap(); // before the first request: see settle-heap.ts
  try {
    for (const l of listeners) await listen(l.server, l.config.host, l.config.port, options.reusePort ?? false, `listener "${l.config.name}"`);
    if (admin) await listen(admin, config.admin.host, config.admin.port, false, 'admin listener');
  } catch (error) {
    for (const l of listeners) l.close();
    admin?.close();
    await runtime.close();
    await observe.close();
    throw error;
  }

  const urls = listeners.map((l) => ({ name: l.config.name, url: urlOf(l.server, l.config) }));
  const adminUrl = admin ? urlOf(admin, { host: config.admin.host, tls: undefined }) : undefined;
  logger.info({ listeners: urls, admin: adminUrl, apis: config.apis.map((a) => a.name) }, 'gateway started');

  let reloading: Promise<boolean> | undefined;
  const reload = async (): Promise<boolean> => {
    try {
      const next = await compileRuntime(await loadConfig(options.configPath, options.env), logger);
      if (JSON.stringify(next.config.listeners) !== JSON.stringify(gateway.runtime.config.listeners)) {
        logger.warn('listener changes take effect after a restart; the other changes are applied now');
      }
      const previous = gateway.runtime;
      gateway.runtime = next;
      access.configure(next.config.log, next.forwardOptions.credentials); // with the swap: lines follow the running config
      for (const l of listeners) {
        l.applyLimits(limitsOf(next.config));
        l.reloadCertificate();
      }
      void previous.close(); // closes pools once their in-flight requests are done
      settleHeap(); // the loading garbage, cleared now rather than left to slow down requests
      logger.info({ apis: next.config.apis.map((a) => a.name) }, 'config reloaded');
      observe.metrics.reloaded(true);
      return true;
    } catch (error) {
      const errors = error instanceof ConfigError ? error.issues.map((i) => `${i.file}:${i.line ?? 0}: ${i.path} ${i.message}`) : [(error as Error).message];
      logger.error({ errors }, 'config reload rejected; the running config stays in use');
      observe.metrics.reloaded(false);
      return false;
    }
  };

  return {
    urls,
    adminUrl,
    get runtime() {
      return gateway.runtime;
    },
    observe,
    reload: () => (reloading ??= reload().finally(() => (reloading = undefined))),
    async shutdown() {
      // New connections are refused at once; responses still in flight finish and carry
      // "Connection: close", so keep-alive clients move on; stragglers are cut at drainTimeout.
      gateway.draining = true;
      const closed = Promise.all(listeners.map((l) => once(l.server, 'close')));
      for (const l of listeners) l.close();
      admin?.close();
      const timeout = toMs(gateway.runtime.config.limits.drainTimeout);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, timeout)))]);
      clearTimeout(timer);
      gateway.cut = true;
      for (const l of listeners) l.server.closeAllConnections();
      await gateway.runtime.close();
      await observe.close(); // flushes the audit trail and takes a last checkpoint
      logger.info('gateway stopped');
    },
  };
}

function limitsOf(config: GatewayConfig): ListenerLimits {
  return {
    ...listenerTimeouts(config),
    maxHeaderCount: config.limits.maxHeaderCount,
    maxConnectionsPerIp: config.limits.maxConnectionsPerIp,
  };
}

async function listen(server: Server, host: string, port: number, reusePort: boolean, what: string): Promise<void> {
  const outcome = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      resolve(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(undefined);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: reusePort, reusePort });
  });
  if (outcome === undefined) return;
  const reason =
    outcome.code === 'EADDRINUSE'
      ? `port ${port} on ${host} is already in use`
      : outcome.code === 'EACCES'
        ? `no permission to bind port ${port} on ${host}`
        : outcome.code === 'EADDRNOTAVAIL'
          ? `address ${host} is not available on this machine`
          : outcome.message;
  throw new StartupError(`Cannot start the ${what}: ${reason}.`);
}

function urlOf(server: Server, l: Pick<ListenerConfig, 'host' | 'tls'>): string {
  const { port } = server.address() as AddressInfo;
  const host = l.host === '0.0.0.0' || l.host === '::' ? '127.0.0.1' : l.host.includes(':') ? `[${l.host}]` : l.host;
  return `${l.tls ? 'https' : 'http'}://${host}:${port}`;
}
