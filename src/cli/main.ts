#!/usr/bin/env node
// The portcullis command. Each subcommand lives in its own file and registers itself here.
import { Command, CommanderError } from 'commander';
import { register as audit } from './audit.ts';
import { register as auditLog } from './audit-log.ts';
import { register as check } from './check.ts';
import { register as demo } from './demo.ts';
import { register as inspect } from './inspect.ts';
import { register as inventory } from './inventory.ts';
import { register as keys } from './keys.ts';
import { register as scan } from './scan.ts';
import { register as schema } from './schema.ts';
import { register as serve } from './serve.ts';
import { describe } from './util.ts';
import { printable, SpecError } from '../openapi/load.ts';

const program = new Command('portcullis')
  .description('API security gateway and toolkit driven by your OpenAPI document')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

for (const register of [serve, check, schema, demo, audit, keys, inspect, scan, auditLog, inventory]) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // help and version exit 0; every other usage problem exits 2
    process.exit(error.exitCode === 0 ? 0 : 2);
  }
  // A command that let an error through: one message, never a stack trace (2 for a document that
  // cannot be loaded, as the commands that load one say).
  process.stderr.write(`portcullis: ${printable(describe(error), true)}\n`);
  process.exit(error instanceof SpecError ? 2 : 1);
}
