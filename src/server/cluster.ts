// `serve --workers N`: a primary process that validates the config, runs the admin listener, and
// keeps N workers serving the same ports (SO_REUSEPORT, the kernel spreads connections). A worker
// that dies is replaced without touching the others; reloads are validated by the primary first and
// then applied by every worker; SIGTERM drains every worker.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { loadConfig } from '../config/load.ts';
import { toMs } from '../config/units.ts';
import { serveBlocks } from '../observe/anomaly/block-sync.ts';
import { exitAfterLogs } from '../observe/logger.ts';
import { serveDetection } from '../observe/anomaly/cluster-detection.ts';
import { serveCounters } from '../store/counters/ipc-server.ts';
import { adminServer } from './admin-dashboard.ts';
import { answerPrimary, primarySources } from './cluster-observe.ts';
import { compileRuntime, type RouteInfo } from './runtime.ts';
import { startGateway, StartupError, type RunningGateway } from './gateway.ts';

type WorkerMessage = { type: 'ready' } | { type: 'fatal'; message: string } | { type: 'reloaded'; ok: boolean };
type PrimaryMessage = { type: 'reload' } | { type: 'shutdown' };

export async function runPrimary(configPath: string, workers: number, logger: Logger): Promise<void> {
  const loaded = await loadConfig(configPath);
  const compiled = await compileRuntime(loaded, logger); // fail fast, before any worker starts
  let routes: readonly RouteInfo[] = compiled.routes;
  await compiled.close();
  const config = loaded.config;
  const ready = new Set<number>();
  let stopping = false;
  const restarts: number[] = [];

  // Each worker has a slot (1..N) a replacement inherits: its audit chain is "<chain>/w<slot>".
  const slots = new Map<number, number>();
  const fork = (slot: number): Worker => {
    const worker = cluster.fork({ PORTCULLIS_WORKER: '1', PORTCULLIS_WORKERS: String(workers), PORTCULLIS_WORKER_SLOT: String(slot) });
    slots.set(worker.id, slot);
    serveCounters(worker); // rate-limit counters live here, so N workers share one limit
    serveBlocks(worker); // a caller blocked by one worker's anomaly detectors is blocked by all
    serveDetection(worker, config.alerts.anomalies); // the detectors count every worker's traffic, here
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') ready.add(worker.id);
      if (message.type === 'fatal') {
        logger.fatal(message.message);
        process.stderr.write(`portcullis: ${message.message}\n`);
        stopping = true;
        process.exitCode = 1;
        for (const w of Object.values(cluster.workers ?? {})) w?.kill();
      }
    });
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    ready.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit();
      return;
    }
    const now = Date.now();
    restarts.push(now);
    while (restarts.length && restarts[0]! < now - 60_000) restarts.shift();
    if (restarts.length > 10) {
      logger.fatal('workers keep crashing (more than 10 restarts in a minute); giving up');
      process.exit(1);
    }
    logger.error({ worker: worker.process.pid, code, signal }, 'worker exited; starting a replacement');
    fork(slots.get(worker.id) ?? 1);
    slots.delete(worker.id);
  });

  // The admin port is bound before any worker starts, so a busy port fails alone and cleanly.
  const observe = config.admin.enabled ? await primarySources(config, loaded.baseDir, () => routes, logger) : undefined;
  const admin = observe
    ? adminServer(config, loaded.baseDir, logger, { ready: () => !stopping && ready.size === workers }, observe.sources)
    : undefined;
  if (admin) {
    const failure = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      admin.once('error', resolve);
      admin.listen(config.admin.port, config.admin.host, () => resolve(undefined));
    });
    if (failure) {
      throw new StartupError(
        `Cannot start the admin listener: ${failure.code === 'EADDRINUSE' ? `port ${config.admin.port} on ${config.admin.host} is already in use` : failure.message}.`,
      );
    }
  }

  for (let i = 1; i <= workers; i++) fork(i);

  const broadcast = (message: PrimaryMessage) => {
    for (const w of Object.values(cluster.workers ?? {})) w?.send(message);
  };
  const reload = async () => {
    try {
      const next = await compileRuntime(await loadConfig(configPath), logger);
      routes = next.routes;
      await next.close();
      broadcast({ type: 'reload' });
    } catch (error) {
      logger.error({ errors: String((error as Error).message).split('\n') }, 'config reload rejected; workers keep the running config');
    }
  };
  process.on('SIGHUP', () => void reload());
  const stop = () => {
    if (stopping) return;
    stopping = true;
    admin?.close();
    void observe?.close();
    for (const w of Object.values(cluster.workers ?? {})) {
      if (!w) continue;
      // Ready workers drain. One still booting (loading code, compiling the config) is stopped at once
      // rather than after its boot: it has served nothing unless it bound its listener in the last
      // instant before saying ready.
      if (ready.has(w.id)) w.send({ type: 'shutdown' } satisfies PrimaryMessage);
      else w.process.kill('SIGTERM');
    }
    setTimeout(() => process.exit(0), toMs(config.limits.drainTimeout) + 5000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

export async function runWorker(configPath: string, logger: Logger): Promise<void> {
  // Listen to the primary before starting: a shutdown sent while this worker boots must not be lost.
  let gateway: RunningGateway | undefined;
  let stopRequested = false;
  const stop = async () => {
    stopRequested = true;
    if (!gateway) return; // handled once the gateway is up
    await gateway.shutdown();
    await exitAfterLogs(0);
  };
  process.on('message', async (message: PrimaryMessage) => {
    if (message.type === 'reload' && gateway) process.send?.({ type: 'reloaded', ok: await gateway.reload() } satisfies WorkerMessage);
    if (message.type === 'shutdown') await stop();
  });
  // The primary owns the signals; a worker only follows its messages.
  process.on('SIGINT', () => {});
  process.on('SIGHUP', () => {});
  try {
    gateway = await startGateway({ configPath, logger, admin: false, reusePort: true, chainSuffix: `/w${process.env.PORTCULLIS_WORKER_SLOT ?? process.pid}` });
    await answerPrimary(gateway.observe);
  } catch (error) {
    const message = error instanceof StartupError ? error.message : (error as Error).message;
    process.send?.({ type: 'fatal', message } satisfies WorkerMessage);
    process.exit(1);
  }
  if (stopRequested) return stop();
  process.send?.({ type: 'ready' } satisfies WorkerMessage);
}
