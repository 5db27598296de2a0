// portcullis serve: run the gateway.
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import { watchFiles } from '../config/watch.ts';
import { createLogger, exitAfterLogs } from '../observe/logger.ts';
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
      // Read once here for the log level; an unreadable config is reported by startGateway/runPrimary.
      const loaded = await loadConfig(configPath).catch(() => undefined);
      if (loaded) process.env.PORTCULLIS_LOG_LEVEL = loaded.config.log.level;
      const logger = createLogger(loaded?.config.log.level ?? 'info');
      const workers = options.workers ?? availableParallelism();
      try {
        if (workers > 1) {
          await runPrimary(configPath, workers, logger);
          if (options.watch) watchFiles(watchedFiles(configPath, loaded), () => process.kill(process.pid, 'SIGHUP'));
          return;
        }
        const gateway = await startGateway({ configPath, logger, loaded });
        handleSignals(gateway, options.watch ? watchedFiles(configPath, loaded) : []);
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
    await exitAfterLogs(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** The config file and the specs it names (only the config file when it could not be read). */
function watchedFiles(configPath: string, loaded: LoadedConfig | undefined): string[] {
  if (!loaded) return [configPath];
  return [configPath, ...loaded.config.apis.flatMap((a) => (a.spec ? [resolve(loaded.baseDir, a.spec)] : []))];
}
