// portcullis schema: print the JSON Schema of the configuration, for editors.
import type { Command } from 'commander';
import { CONFIG_SCHEMA } from '../config/load.ts';

export function register(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of portcullis.yaml (for editor autocompletion)')
    .action(() => {
      process.stdout.write(`${JSON.stringify(CONFIG_SCHEMA, null, 2)}\n`);
    });
}
