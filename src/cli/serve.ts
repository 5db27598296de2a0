// portcullis serve: run the gateway.
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { watchFiles } from '../config/watch.ts';
import { createLogger } from '../observe/logger.ts';
import { runPrimary, runWorker } from '../server/cluster.ts';
import { startGateway, type RunningGateway } from '../server/gateway.ts';
import { exitWith, positiveInt } from './util.ts';

export function register(program: Command): void {
  program
    .command('serve')
    .description('run the gateway')
    .option('-c, --config <file>', 'configuration file (YAML or JSON)', 'portcullis.yaml')
    .option('-w, --workers <n>', 'worker processes sharing the ports (default: number of CPUs)', positiveInt)
    .option('--no-watch', 'do not reload when the config file changes (SIGHUP still reloads)')
    .action(async (options: { config: string; workers?: number; watch: boolean }) => {
      const configPath = resolve(options.config);
      if (cluster.isWorker) return runWorker(configPath, createLogger(process.env.PORTCULLIS_LOG_LEVEL ?? 'info'));
      const level = await logLevel(configPath);
      const logger = createLogger(level);
      const workers = options.workers ?? availableParallelism();
      try {
        if (workers > 1) {
          await runPrimary(configPath, workers, logger);
          if (options.watch) watchFiles(await watchedFiles(configPath), () => process.kill(process.pid, 'SIGHUP'));
          return;
        }
        const gateway = await startGateway({ configPath, logger });
        handleSignals(gateway, options.watch ? await watchedFiles(configPath) : []);
      } catch (error) {
        exitWith(error, logger);
      }
    });
}

export function handleSignals(gateway: RunningGateway, watched: readonly string[]): void {
  const unwatch = watched.length ? watchFiles(watched, () => void gateway.reload()) : () => {};
  process.on('SIGHUP', () => void gateway.reload());
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    unwatch();
    await gateway.shutdown();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function logLevel(configPath: string): Promise<string> {
  try {
    const { config } = await loadConfig(configPath);
    process.env.PORTCULLIS_LOG_LEVEL = config.log.level;
    return config.log.level;
  } catch {
    return 'info';
  }
}

async function watchedFiles(configPath: string): Promise<string[]> {
  try {
    const { config, baseDir } = await loadConfig(configPath);
    return [configPath, ...config.apis.flatMap((a) => (a.spec ? [resolve(baseDir, a.spec)] : []))];
  } catch {
    return [configPath];
  }
}
