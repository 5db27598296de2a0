// portcullis audit-log: keygen (the Ed25519 pair that signs checkpoints), verify (walks every
// chain, says where it was tampered with, exit 1), export (JSON lines to stdout or a file).
// The store and key come from --store/--key, or from the config's `audit` section (-c).
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/load.ts';
import { toMs } from '../config/units.ts';
import { generateKeyPair, loadPublicKey } from '../observe/audit/signer.ts';
import { verifyStore } from '../observe/audit/verify.ts';
import { readWitness, type Witnessed } from '../observe/audit/witness.ts';
import { eventJson } from '../server/admin-api/events.ts';
import { describeStore, openStore } from '../store/open.ts';
import type { Store } from '../store/types.ts';
import { describe } from './util.ts';
import { jsonLine } from '../observe/audit/json-line.ts';

interface Source {
  config?: string;
  store?: string;
  key?: string;
  chain?: string[];
  retention?: number;
}

class UsageError extends Error {}

/** Where the trail is, its key and its retention (ms; 0 keeps forever; undefined: not known, --store without --retention). */
async function resolveSource(o: Source): Promise<{ location: string; baseDir: string; key: string | undefined; retentionMs: number | undefined }> {
  if (o.store) return { location: o.store, baseDir: process.cwd(), key: o.key, retentionMs: o.retention };
  const path = o.config ?? 'portcullis.yaml';
  if (!existsSync(path)) throw new UsageError(`no --store given and no config file ${path} (use -c FILE or --store LOCATION)`);
  const { config, baseDir } = await loadConfig(path);
  return {
    location: config.audit.store,
    baseDir,
    key: o.key ?? (config.audit.signingKey ? resolve(baseDir, config.audit.signingKey) : undefined),
    retentionMs: o.retention ?? toMs(config.audit.retention),
  };
}

async function withStore<T>(location: string, baseDir: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = openStore(location, baseDir);
  try {
    await store.migrate();
    return await fn(store);
  } catch (error) {
    throw new UsageError(`audit store ${describeStore(location)}: ${(error as Error).message}`);
  } finally {
    await store.close();
  }
}

/** Checkpoints from a witness file; a file without any is a usage error (the wrong file, most likely). */
function readWitnessFile(file: string): Witnessed[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the witness file ${file}: ${(error as Error).message}`);
  }
  const found = readWitness(text);
  if (found.length === 0) throw new UsageError(`the witness file ${file} holds no audit checkpoint (lines with "msg":"audit checkpoint", or checkpoint objects)`);
  return found;
}

function fail(error: unknown): never {
  process.stderr.write(`portcullis audit-log: ${error instanceof UsageError ? error.message : describe(error)}\n`);
  process.exit(2);
}

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number >= 0');
  return n;
}

function duration(value: string): number {
  if (value === '0') return 0; // kept forever, as in the config
  let ms = Number.NaN;
  try {
    ms = toMs(value);
  } catch {
    // reported below
  }
  if (!Number.isFinite(ms) || ms < 0) throw new InvalidArgumentError('expected a duration such as 90d, 12h or 30m, or 0 (events kept forever)');
  return ms;
}

function time(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('expected an RFC 3339 date-time or epoch milliseconds');
  return n;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command): void {
  const audit = program.command('audit-log').description('the tamper-evident audit trail: keygen, verify, export');
  const source = (c: Command) =>
    c
      .option('-c, --config <file>', 'read the store (and key) from this config\'s audit section', 'portcullis.yaml')
      .option('--store <location>', 'SQLite file or postgres:// URL (instead of the config)')
      .option('--chain <name>', 'only this chain (repeatable; default: all)', collect);

  audit
    .command('keygen')
    .description('write a new Ed25519 key pair for signing checkpoints (private: mode 0600; public: <out>.pub)')
    .requiredOption('--out <file>', 'path of the private key (set it as audit.signingKey)')
    .option('--force', 'overwrite existing files')
    .action((o: { out: string; force?: boolean }) => {
      const pub = `${o.out}.pub`;
      if (!o.force && (existsSync(o.out) || existsSync(pub))) fail(new UsageError(`${existsSync(o.out) ? o.out : pub} exists (use --force to replace it)`));
      const pair = generateKeyPair();
      writeFileSync(o.out, pair.privatePem, { mode: 0o600 });
      writeFileSync(pub, pair.publicPem, { mode: 0o644 });
      process.stderr.write(`wrote ${o.out} (private, keep it secret) and ${pub} (public, for verify --key); key id ${pair.keyId}\n`);
    });

  source(audit.command('verify'))
    .description('check every chain: modified, deleted, inserted or reordered events and bad checkpoints are reported (exit 1)')
    .option('--key <file>', 'Ed25519 public (or private) key: every checkpoint must carry its valid signature, and every chain at least one')
    .option('--max-unsigned <n>', 'with --key: fail a chain with more events than this after its last signed checkpoint', nonNegative)
    .option('--retention <duration>', 'the retention the trail was kept with (default with -c: the config\'s audit.retention): a chain whose pruned beginning ends at a checkpoint younger than this (e.g. 90d) fails, deleted, not pruned; 0 (kept forever): a chain not starting at its first event fails', duration)
    .option('--witness <file>', 'checkpoints kept outside the store (the gateway log, which has a line for every checkpoint; or one checkpoint object per line): each must still be on its chain, so a chain cut back to an earlier checkpoint fails (repeatable)', collect)
    .option('--json', 'JSON output')
    .action(async (o: Source & { json?: boolean; maxUnsigned?: number; witness?: string[] }) => {
      let failed = false;
      try {
        const { location, baseDir, key, retentionMs } = await resolveSource(o);
        const publicKey = key ? loadPublicKey(key) : undefined;
        const witness = o.witness?.flatMap((file) => readWitnessFile(file));
        const options = { maxUnsigned: o.maxUnsigned, retentionMs, witness };
        const reports = await withStore(location, baseDir, (store) => verifyStore(store.audit, publicKey, o.chain, options));
        // With a key, an empty trail proves nothing: it may have been emptied.
        failed = reports.some((r) => r.problems.length > 0) || (publicKey !== undefined && reports.length === 0);
        const unchecked = publicKey === undefined && reports.some((r) => r.signedCheckpoints > 0);
        if (unchecked) process.stderr.write('warning: the checkpoints are signed but no --key was given: signatures were not checked, so a rewritten chain would pass\n');
        if (retentionMs === undefined) {
          for (const r of reports.filter((r) => r.anchor !== undefined)) {
            process.stderr.write(`warning: chain ${r.chain} starts after checkpoint ${r.anchor!.seq} of ${new Date(r.anchor!.time).toISOString()} and no retention is known: whether its beginning was pruned or deleted was not checked (pass --retention DURATION, the gateway's audit.retention, or verify with -c CONFIG)\n`);
          }
        }
        if (o.json) process.stdout.write(`${JSON.stringify({ ok: !failed, signaturesChecked: publicKey !== undefined, authenticated: publicKey !== undefined && !failed, retentionMs: retentionMs ?? null, chains: reports }, null, 2)}\n`);
        else {
          if (reports.length === 0) process.stdout.write(`no audit events${publicKey ? ': nothing to authenticate (FAILED)' : ''}\n`);
          for (const r of reports) {
            const range = r.events ? `events ${r.firstSeq}..${r.lastSeq}` : 'no events';
            const tail = r.unsignedTail ? `, ${r.unsignedTail} after the last signed checkpoint` : '';
            const cut = r.anchor && r.problems.some((p) => p.kind === 'deleted' && p.seq === r.anchor!.seq);
            const gone = retentionMs === undefined ? 'earlier events gone: retention not known, not checked' : cut ? 'earlier events gone' : 'earlier events pruned';
            const anchor = r.anchor ? `, starting after checkpoint ${r.anchor.seq} of ${new Date(r.anchor.time).toISOString()} (${gone})` : '';
            process.stdout.write(`chain ${r.chain}: ${r.events} ${range}, ${r.checkpoints} checkpoints (${r.signedCheckpoints} ${publicKey ? 'with a valid signature' : 'signed, signatures not checked: no --key'})${tail}${anchor}: ${r.problems.length ? `${r.problems.length} PROBLEM(S)` : 'OK'}\n`);
            for (const p of r.problems) process.stdout.write(`  ${p.kind.padEnd(10)} at seq ${p.seq}${p.id === undefined ? '' : ` (id ${p.id})`}: ${p.message}\n`);
            if (r.placeholders.length > 0) {
              const seqs = r.placeholders.slice(0, 20).join(', ') + (r.placeholders.length > 20 ? ', ...' : '');
              process.stdout.write(`  note: ${r.placeholders.length} placeholder event(s) stand for events the store refused, their content lost (seq ${seqs}; reason PCL_AUDIT_EVENT_UNSTORABLE, the refused event's hash in the evidence)\n`);
            }
          }
        }
      } catch (error) {
        fail(error);
      }
      process.exit(failed ? 1 : 0);
    });

  source(audit.command('export'))
    .description('write events as JSON lines (chain by chain, in chain order) to stdout or a file')
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .option('--from <time>', 'only events at or after this time', time)
    .option('--to <time>', 'only events before this time', time)
    .action(async (o: Source & { out?: string; from?: number; to?: number }) => {
      try {
        const { location, baseDir } = await resolveSource(o);
        const out = o.out ? createWriteStream(o.out, { mode: 0o600 }) : process.stdout;
        let count = 0;
        await withStore(location, baseDir, async (store) => {
          for (const chain of o.chain ?? (await store.audit.chains())) {
            for (let after = { seq: -1, id: 0 }; ; ) {
              const page = await store.audit.scan(chain, after, 1000);
              let text = '';
              for (const r of page) {
                if ((o.from !== undefined && r.time < o.from) || (o.to !== undefined && r.time >= o.to)) continue;
                text += jsonLine(eventJson(r));
                count++;
              }
              if (text && !out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
              if (page.length < 1000) break;
              after = { seq: page.at(-1)!.seq, id: page.at(-1)!.id! };
            }
          }
        });
        if (o.out) {
          out.end();
          await finished(out);
          process.stderr.write(`exported ${count} events to ${o.out}\n`);
        }
      } catch (error) {
        fail(error);
      }
    });
}
