// portcullis check: validate a config and every document it references, start nothing.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import pino from 'pino';
import { loadConfig } from '../config/load.ts';
import { compileRuntime } from '../server/runtime.ts';
import { exitWith } from './util.ts';

export function register(program: Command): void {
  program
    .command('check')
    .description('validate a configuration and the OpenAPI documents it references (exit 0 valid, 1 invalid)')
    .option('-c, --config <file>', 'configuration file (YAML or JSON)', 'portcullis.yaml')
    .action(async (options: { config: string }) => {
      try {
        const loaded = await loadConfig(resolve(options.config));
        const runtime = await compileRuntime(loaded, pino({ level: 'silent' }));
        await runtime.close();
        const apis = loaded.config.apis.length;
        process.stdout.write(`${loaded.file}: valid (${apis} API${apis === 1 ? '' : 's'}, ${loaded.config.listeners.length} listener${loaded.config.listeners.length === 1 ? '' : 's'})\n`);
      } catch (error) {
        exitWith(error);
      }
    });
}
