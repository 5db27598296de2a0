// Opens a Store from the one string users write: a PostgreSQL URL ("postgres://...[?schema=name]"), or a SQLite
// file path ("./portcullis.db", "sqlite:./portcullis.db", ":memory:"). Relative paths are resolved
// against `baseDir` (the config file's folder).
import { isAbsolute, resolve } from 'node:path';
import { PostgresStore } from './postgres.ts';
import { SqliteStore } from './sqlite.ts';
import type { Store } from './types.ts';

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

export function openStore(location: string, baseDir = process.cwd()): Store {
  if (isPostgresUrl(location)) {
    // "?schema=name" picks the PostgreSQL schema of the tables (default public); it is not sent to the server.
    const url = new URL(location);
    const schema = url.searchParams.get('schema') ?? undefined;
    url.searchParams.delete('schema');
    return new PostgresStore(url.toString(), { schema });
  }
  const path = location.startsWith('sqlite:') ? location.slice('sqlite:'.length) : location;
  if (path === '') throw new Error('the store location is empty');
  return new SqliteStore(path === ':memory:' || isAbsolute(path) ? path : resolve(baseDir, path));
}

/** Where a store is, for messages: never the password of a URL. */
export function describeStore(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const url = new URL(location);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

const shared = new Map<string, Promise<Store>>();

/**
 * One migrated Store per location for the whole process, shared by every policy instance and kept
 * across config reloads (the core does not close policies yet). A failed open is not remembered.
 */
export function sharedStore(location: string, baseDir: string): Promise<Store> {
  const key = isPostgresUrl(location) ? location : `${baseDir}\0${location}`;
  let pending = shared.get(key);
  if (!pending) {
    pending = (async () => {
      const store = openStore(location, baseDir);
      try {
        await store.migrate();
        return store;
      } catch (error) {
        await store.close().catch(() => {});
        throw error;
      }
    })();
    pending.catch(() => shared.delete(key));
    shared.set(key, pending);
  }
  return pending;
}
