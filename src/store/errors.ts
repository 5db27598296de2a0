// Which store errors say nothing about the rows being written: the store is unreachable, busy, full,
// read-only or shutting down. The audit writer retries those as they are; any other failure of a
// batch may lie in one of its events (src/observe/audit/writer.ts isolates it).

/** SQLite primary result codes (the low byte of node:sqlite's `errcode`) of a store, not a row, failing. */
const SQLITE_UNAVAILABLE: ReadonlySet<number> = new Set([
  5, // BUSY
  6, // LOCKED
  7, // NOMEM
  8, // READONLY
  9, // INTERRUPT
  10, // IOERR
  11, // CORRUPT
  13, // FULL
  14, // CANTOPEN
  15, // PROTOCOL
  26, // NOTADB
]);

/** PostgreSQL SQLSTATE classes of the same: connection, resources, operator intervention, system, rollback, lock. */
const POSTGRES_UNAVAILABLE: ReadonlySet<string> = new Set(['08', '53', '57', '58', '40', '55', 'XX']);

export function isStoreUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  const { errcode, code } = error as { errcode?: unknown; code?: unknown };
  if (typeof errcode === 'number') return SQLITE_UNAVAILABLE.has(errcode & 0xff);
  if (typeof code !== 'string') return true; // pg's own connection errors ("Connection terminated...") carry no code
  if (/^[0-9A-Z]{5}$/.test(code)) return POSTGRES_UNAVAILABLE.has(code.slice(0, 2));
  return /^E[A-Z]+$/.test(code); // a system error: ECONNREFUSED, ECONNRESET, ETIMEDOUT, ENOSPC...
}

/** A short, data-free name for the error (a SQLSTATE, a SQLite code, a Node code), for logs and events. */
export function storeErrorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'unknown';
  const { errcode, code, errstr } = error as { errcode?: unknown; code?: unknown; errstr?: unknown };
  if (typeof errcode === 'number') return typeof errstr === 'string' ? `sqlite:${errcode} ${errstr}` : `sqlite:${errcode}`;
  if (typeof code === 'string' && /^[A-Za-z0-9_]{1,40}$/.test(code)) return code;
  return error instanceof Error ? error.name : 'unknown';
}
