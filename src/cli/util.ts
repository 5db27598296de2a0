// What every command shares: argument parsers and turning errors into one clear paragraph and an
// exit code (1 for invalid input or failure, 2 for usage), never a stack trace.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from 'commander';
import type { Logger } from 'pino';
import { ConfigError } from '../config/load.ts';
import { printable, SpecError } from '../openapi/load.ts';
import { StartupError } from '../server/gateway.ts';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more');
  return n;
}

/** The message users see for an error; internal errors are summarized, not dumped. */
export function describe(error: unknown): string {
  if (error instanceof ConfigError) return `The configuration is invalid:\n${error.message.split('\n').map((l) => `  ${l}`).join('\n')}`;
  if (error instanceof SpecError || error instanceof StartupError) return error.message;
  return `Unexpected error: ${(error as Error)?.message ?? String(error)}`;
}

export function exitWith(error: unknown, logger?: Logger): never {
  const message = printable(describe(error), true);
  logger?.flush();
  process.stderr.write(`portcullis: ${message}\n`);
  process.exit(1);
}

/** The folder holding the package.json of portcullis, from the sources or from dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'portcullis') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the portcullis package folder');
    dir = parent;
  }
}
