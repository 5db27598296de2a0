// portcullis keys: consumers and API keys in the Store (SQLite file or PostgreSQL). A new key is
// printed once, on stdout alone (scripts can capture it); only its SHA-256 is stored.
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { hashApiKey, isWellFormedApiKey, looksLikeApiKey } from '../auth/api-key.ts';
import { issueKey, KEY_LIMITS, keyDurationProblem, keyState, rotateKey } from '../auth/key-issue.ts';
import { DURATION_PATTERN, toMs } from '../config/units.ts';
import { describeStore, openStore } from '../store/open.ts';
import type { ApiKeyRecord, Store } from '../store/types.ts';

const DEFAULT_STORE = 'portcullis.db';

interface StoreOption {
  store?: string;
}

function duration(value: string): number {
  if (!new RegExp(DURATION_PATTERN).test(value)) throw new InvalidArgumentError('expected a duration such as 90d, 12h or 30m');
  return toMs(value);
}

/** A duration option of a key, within KEY_LIMITS. */
const keyDuration = (name: keyof typeof KEY_LIMITS) => (value: string): number => {
  const ms = duration(value);
  const problem = keyDurationProblem(name, ms);
  if (problem !== undefined) throw new InvalidArgumentError(problem);
  return ms;
};

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function location(options: StoreOption): string {
  return options.store ?? process.env.PORTCULLIS_STORE ?? DEFAULT_STORE;
}

async function withStore<T>(options: StoreOption, fn: (store: Store) => Promise<T>): Promise<T> {
  let store: Store | undefined;
  try {
    store = openStore(location(options));
    await store.migrate();
    return await fn(store);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`store ${describeStore(location(options))}: ${(error as Error).message}`);
  } finally {
    await store?.close();
  }
}

class UsageError extends Error {}

function fail(error: unknown): never {
  process.stderr.write(`portcullis keys: ${(error as Error).message}\n`);
  process.exit(1);
}

function describeKey(k: ApiKeyRecord, now: number): string {
  const s = keyState(k, now);
  const state = s === 'expiring' ? `expires ${new Date(k.expiresAt!).toISOString()}` : s;
  return [k.id, k.consumerId, state, k.scopes.length ? k.scopes.join(',') : '-', new Date(k.createdAt).toISOString(), k.rotatedFrom ? `rotated from ${k.rotatedFrom}` : ''].join('\t').trimEnd();
}

export function register(program: Command): void {
  const keys = program.command('keys').description('manage consumers and API keys in the store (--store, $PORTCULLIS_STORE, default ./portcullis.db)');
  const storeOption = (c: Command) => c.option('--store <location>', 'SQLite file path or postgres:// URL');

  storeOption(keys.command('create'))
    .description('create an API key for a consumer and print it (once)')
    .requiredOption('--consumer <id>', 'consumer id (created in the store when unknown)')
    .option('--expires <duration>', 'lifetime, e.g. 90d (at most 3650d)', keyDuration('expiresIn'))
    .option('--scopes <list>', 'comma-separated scopes the key is limited to', list, [])
    .option('--env <name>', 'environment part of the key (live, test...)', 'live')
    .action(async (o: StoreOption & { consumer: string; expires?: number; scopes: string[]; env: string }) => {
      try {
        await withStore(o, async (store) => {
          if (!(await store.getConsumer(o.consumer))) {
            await store.upsertConsumer({ id: o.consumer, roles: [], scopes: [], metadata: {} });
            process.stderr.write(`created consumer ${o.consumer}\n`);
          }
          const now = Date.now();
          const made = await issueKey(store, o.consumer, { scopes: o.scopes, expiresInMs: o.expires, env: o.env }, now);
          process.stderr.write(`key ${made.record.id} for ${o.consumer}${o.expires ? `, expires ${new Date(now + o.expires).toISOString()}` : ''}. It is shown only now:\n`);
          process.stdout.write(`${made.key}\n`);
        });
      } catch (error) {
        fail(error);
      }
    });

  storeOption(keys.command('list'))
    .description('list keys (id, consumer, state, scopes, created); never the keys themselves')
    .option('--consumer <id>', 'only this consumer\'s keys')
    .option('--json', 'JSON output')
    .action(async (o: StoreOption & { consumer?: string; json?: boolean }) => {
      try {
        await withStore(o, async (store) => {
          const rows = (await store.listKeys(o.consumer)).map(({ hash: _hash, ...rest }) => rest);
          const now = Date.now();
          process.stdout.write(o.json ? `${JSON.stringify(rows, null, 2)}\n` : rows.map((r) => `${describeKey({ ...r, hash: '' }, now)}\n`).join(''));
        });
      } catch (error) {
        fail(error);
      }
    });

  storeOption(keys.command('revoke'))
    .description('revoke a key by its id (refused by every gateway within 1 s)')
    .argument('<id>', 'key id (pcl_<env>_<8 chars>) as shown by keys list')
    .action(async (id: string, o: StoreOption) => {
      try {
        await withStore(o, async (store) => {
          if (!(await store.revokeKey(id, Date.now()))) throw new UsageError(`no active key ${id}`);
          process.stderr.write(`revoked ${id}\n`);
        });
      } catch (error) {
        fail(error);
      }
    });

  storeOption(keys.command('rotate'))
    .description('replace a key: prints the new key; the old one stays valid for the grace period')
    .argument('<id>', 'id of the key to replace')
    .option('--grace <duration>', 'how long the old key keeps working (at most 365d)', keyDuration('grace'), toMs('24h'))
    .option('--expires <duration>', 'lifetime of the new key (default: as long as the old key was issued for; at most 3650d)', keyDuration('expiresIn'))
    .action(async (id: string, o: StoreOption & { grace: number; expires?: number }) => {
      try {
        await withStore(o, async (store) => {
          const made = await rotateKey(store, id, o.grace, o.expires);
          if (!made) throw new UsageError(`no active key ${id} (unknown, revoked or expired: for an expired key, make a new one with keys create)`);
          process.stderr.write(`key ${made.record.id} replaces ${id}, which works until ${new Date(made.oldExpiresAt).toISOString()}. The new key is shown only now:\n`);
          process.stdout.write(`${made.key}\n`);
        });
      } catch (error) {
        fail(error);
      }
    });

  storeOption(keys.command('consumer'))
    .description('create or update a consumer in the store')
    .argument('<id>', 'consumer id')
    .option('--name <name>', 'display name')
    .option('--roles <list>', 'comma-separated roles', list, [])
    .option('--scopes <list>', 'comma-separated scopes', list, [])
    .option('--tier <tier>', 'rate-limit tier')
    .option('--metadata <json>', 'JSON object')
    .option('--delete', 'delete the consumer and revoke its keys')
    .action(async (id: string, o: StoreOption & { name?: string; roles: string[]; scopes: string[]; tier?: string; metadata?: string; delete?: boolean }) => {
      try {
        await withStore(o, async (store) => {
          if (o.delete) {
            if (!(await store.deleteConsumer(id, Date.now()))) throw new UsageError(`no consumer ${id}`);
            process.stderr.write(`deleted ${id} and revoked its keys\n`);
            return;
          }
          let metadata: Record<string, unknown> = {};
          if (o.metadata !== undefined) {
            const parsed: unknown = JSON.parse(o.metadata);
            if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError('--metadata must be a JSON object');
            metadata = parsed as Record<string, unknown>;
          }
          await store.upsertConsumer({ id, name: o.name, roles: o.roles, scopes: o.scopes, metadata, tier: o.tier });
          process.stderr.write(`saved consumer ${id}\n`);
        });
      } catch (error) {
        fail(error);
      }
    });

  keys
    .command('hash')
    .description('print the SHA-256 of a key read from stdin, to declare it in config (consumers[].keys[].sha256)')
    .action(() => {
      const key = readFileSync(0, 'utf8').trim();
      if (key === '') fail(new Error('no key on stdin'));
      if (looksLikeApiKey(key) && !isWellFormedApiKey(key)) fail(new Error('this key has a wrong checksum (a typo?)'));
      process.stdout.write(`${hashApiKey(key)}\n`);
    });
}
