// The audit tables in SQLite. Batches go in one IMMEDIATE transaction with one prepared statement.
// node:sqlite is synchronous, on the event loop that also proxies requests: an admin query must never
// scan the table in one call. Queries run in steps over ranges of ids, newest first, one at a time,
// yielding to the event loop between steps (each a few milliseconds at most); the indexes make the
// usual filters a handful of steps.
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  AUDIT_COLUMNS,
  auditFromRow,
  auditIndexes,
  auditParts,
  auditValues,
  auditWhere,
  checkpointFromRow,
  newestFirst,
  type AuditPart,
  type AuditCheckpoint,
  type AuditQuery,
  type AuditRecord,
  type AuditStore,
} from './audit.ts';

// 19 columns × 50 rows = 950 parameters, under SQLite's limit (32,766 since 3.32).
const ROWS_PER_INSERT = 50;
/** Ids a query step covers at first; it grows while steps are quick and shrinks when one is slow. */
const FIRST_SPAN = 4096;
const STEP_MS = 4;
/** A time range with at most this many events is looked up in the time index first (one step); as many allowed events, in the verdict index. */
const SMALL_RANGE = 10_000;
/** How long a migration waits for another process building the same indexes (the default wait is 5 s). */
const MIGRATION_WAIT_MS = 600_000;

export class SqliteAuditStore implements AuditStore {
  readonly #db: DatabaseSync;
  readonly #events: string;
  readonly #checkpoints: string;
  readonly #claims: string;
  #insertOne: StatementSync | undefined = undefined;
  #insertChunk: StatementSync | undefined = undefined;
  /** The query running now; the next waits for it (steps of two queries do not pile up in one turn). */
  #querying: Promise<unknown> = Promise.resolve();

  constructor(db: DatabaseSync, prefix: string) {
    this.#db = db;
    this.#events = `${prefix}audit_events`;
    this.#checkpoints = `${prefix}audit_checkpoints`;
    this.#claims = `${prefix}audit_claims`;
  }

  async migrate(): Promise<void> {
    // Anonymous events (most allowed requests) stay out of the consumer index: nothing to find them by,
    // and one index fewer to update per event. `consumer = ?` implies NOT NULL, so queries still use it.
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS ${this.#events} (
        id INTEGER PRIMARY KEY AUTOINCREMENT, chain TEXT NOT NULL, seq INTEGER NOT NULL, time INTEGER NOT NULL,
        request_id TEXT NOT NULL, client_ip TEXT NOT NULL, consumer TEXT, subject TEXT, api TEXT, operation TEXT,
        method TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL, policy TEXT, verdict TEXT NOT NULL,
        reason TEXT, decisions TEXT, evidence TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS ${this.#events}_chain ON ${this.#events} (chain, seq);
      CREATE INDEX IF NOT EXISTS ${this.#events}_time ON ${this.#events} (time);
      DROP INDEX IF EXISTS ${this.#events}_consumer;
      CREATE INDEX IF NOT EXISTS ${this.#events}_consumer_named ON ${this.#events} (consumer, id) WHERE consumer IS NOT NULL;
      CREATE TABLE IF NOT EXISTS ${this.#checkpoints} (
        chain TEXT NOT NULL, seq INTEGER NOT NULL, hash TEXT NOT NULL, time INTEGER NOT NULL,
        signature TEXT, key_id TEXT, PRIMARY KEY (chain, seq));
      CREATE TABLE IF NOT EXISTS ${this.#claims} (chain TEXT PRIMARY KEY, pid INTEGER NOT NULL);`);
    // Indexes added to a store made by an earlier version are built here, once (5-17 s per million
    // events measured on a loaded machine); a gateway's other processes wait for the one building them.
    const existing = new Set(this.#db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?`).all(this.#events).map((r) => String(r.name)));
    const missing = auditIndexes(this.#events).filter((i) => !existing.has(i.name));
    if (missing.length === 0) return;
    const wait = Number(this.#db.prepare('PRAGMA busy_timeout').get()?.timeout ?? 5000);
    const temp = Number(this.#db.prepare('PRAGMA temp_store').get()?.temp_store ?? 0);
    // The sort of an index build follows temp_store: in a file, not in memory (sqlite.ts keeps temp
    // data in memory), or a large trail would need its size in RAM to upgrade.
    this.#db.exec(`PRAGMA busy_timeout = ${MIGRATION_WAIT_MS}; PRAGMA temp_store = FILE`);
    try {
      for (const i of missing) this.#db.exec(`CREATE INDEX IF NOT EXISTS ${i.name} ON ${this.#events} ${i.on}`);
    } finally {
      this.#db.exec(`PRAGMA busy_timeout = ${wait}; PRAGMA temp_store = ${temp}`);
    }
  }

  async append(events: readonly AuditRecord[], checkpoint?: AuditCheckpoint): Promise<void> {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      // Full chunks of ROWS_PER_INSERT rows per statement (fewer calls into SQLite), the rest one by one.
      let i = 0;
      if (events.length >= ROWS_PER_INSERT) {
        const chunk = (this.#insertChunk ??= this.#insert(ROWS_PER_INSERT));
        for (; i + ROWS_PER_INSERT <= events.length; i += ROWS_PER_INSERT) {
          const values: SQLInputValue[] = [];
          for (let j = i; j < i + ROWS_PER_INSERT; j++) auditValues(events[j]!, values);
          chunk.run(...values);
        }
      }
      const one = (this.#insertOne ??= this.#insert(1));
      for (; i < events.length; i++) one.run(...auditValues(events[i]!, [] as SQLInputValue[]));
      if (checkpoint) this.#insertCheckpoint(checkpoint);
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  #insert(rows: number): StatementSync {
    const row = `(${'?, '.repeat(18)}?)`;
    return this.#db.prepare(`INSERT INTO ${this.#events} (${AUDIT_COLUMNS}) VALUES ${Array(rows).fill(row).join(', ')}`);
  }

  async head(chain: string): Promise<{ seq: number; hash: string } | undefined> {
    const row = this.#db.prepare(`SELECT seq, hash FROM ${this.#events} WHERE chain = ? ORDER BY seq DESC, id DESC LIMIT 1`).get(chain);
    return row ? { seq: Number(row.seq), hash: String(row.hash) } : undefined;
  }

  query(q: AuditQuery): Promise<AuditRecord[]> {
    const run = this.#querying.then(() => this.#query(q));
    this.#querying = run.catch(() => {});
    return run;
  }

  async #query(q: AuditQuery): Promise<AuditRecord[]> {
    const range = this.#idRange(q);
    if (range === undefined) return [];
    let out: AuditRecord[] = [];
    for (const part of auditParts(q)) {
      // A later part only needs events newer than the oldest the earlier ones already found.
      const lo = out.length >= q.limit ? Math.max(range.lo, out[q.limit - 1]!.id! + 1) : range.lo;
      out = newestFirst([...out, ...(await this.#steps(q, part, lo, range.hi))], q.limit);
    }
    return out;
  }

  /** One part of a query over ids [lo, hi), newest first, in steps of a few milliseconds. */
  async #steps(q: AuditQuery, part: AuditPart, lo: number, hi: number): Promise<AuditRecord[]> {
    const { where, values } = auditWhere(q, () => '?', part);
    // Allowed events: the verdict index finds them when they are few (none at all with sampleAllowed 0),
    // but reading many through it costs about 3.5 times reading the table by id.
    const allowed = (part === 'allowed' || q.verdict === 'allow') && q.consumer === undefined;
    const byId = allowed && !this.#fewAllowed(lo, hi) ? 'NOT INDEXED' : '';
    const step = this.#db.prepare(`SELECT * FROM ${this.#events} ${byId} ${where ? `${where} AND` : 'WHERE'} id >= ? AND id < ? ORDER BY id DESC LIMIT ?`);
    const out: AuditRecord[] = [];
    let span = FIRST_SPAN;
    while (hi > lo && out.length < q.limit) {
      const from = Math.max(lo, hi - span);
      const started = performance.now();
      for (const row of step.all(...(values as SQLInputValue[]), from, hi, q.limit - out.length)) out.push(auditFromRow(row));
      const ms = performance.now() - started;
      hi = from;
      span = ms < STEP_MS / 4 ? span * 4 : ms > STEP_MS ? Math.max(FIRST_SPAN, Math.floor(span / 2)) : span;
      if (hi > lo && out.length < q.limit) await nextTurn();
    }
    return out;
  }

  /** Whether ids [lo, hi) hold few allowed events (a bounded read of the verdict index). */
  #fewAllowed(lo: number, hi: number): boolean {
    const probe = this.#db.prepare(
      `SELECT count(*) AS n FROM (SELECT 1 FROM ${this.#events} INDEXED BY ${this.#events}_verdict WHERE verdict = 'allow' AND id >= ? AND id < ? LIMIT ${SMALL_RANGE + 1})`,
    );
    return Number(probe.get(lo, hi)?.n ?? 0) <= SMALL_RANGE;
  }

  /**
   * The ids a query has to look at, [lo, hi): all of them, below the cursor; for a time range holding
   * few events (found through the time index, a bounded read), just theirs. Undefined: nothing to find.
   */
  #idRange(q: AuditQuery): { lo: number; hi: number } | undefined {
    // Two statements: SQLite reads min() or max() of the rowid from the B-tree's edge, both in one scans.
    const first = this.#db.prepare(`SELECT min(id) AS id FROM ${this.#events}`).get()?.id;
    const last = this.#db.prepare(`SELECT max(id) AS id FROM ${this.#events}`).get()?.id;
    if (first === null || first === undefined || last === null || last === undefined) return undefined;
    let lo = Number(first);
    let hi = Math.min(Number(last) + 1, q.before ?? Number.MAX_SAFE_INTEGER);
    if (q.from !== undefined || q.to !== undefined) {
      const clauses = [...(q.from === undefined ? [] : ['time >= ?']), ...(q.to === undefined ? [] : ['time < ?'])];
      const bounds = [...(q.from === undefined ? [] : [q.from]), ...(q.to === undefined ? [] : [q.to])];
      const ids = this.#db
        .prepare(`SELECT id FROM ${this.#events} INDEXED BY ${this.#events}_time WHERE ${clauses.join(' AND ')} LIMIT ${SMALL_RANGE + 1}`)
        .all(...bounds)
        .map((r) => Number(r.id));
      if (ids.length === 0) return undefined;
      if (ids.length <= SMALL_RANGE) {
        let min = ids[0]!;
        let max = min;
        for (const id of ids) (min = Math.min(min, id)), (max = Math.max(max, id));
        lo = Math.max(lo, min);
        hi = Math.min(hi, max + 1);
      }
    }
    return { lo, hi };
  }

  async get(id: number): Promise<AuditRecord | undefined> {
    const row = this.#db.prepare(`SELECT * FROM ${this.#events} WHERE id = ?`).get(id);
    return row ? auditFromRow(row) : undefined;
  }

  async scan(chain: string, after: { seq: number; id: number }, limit: number): Promise<AuditRecord[]> {
    return this.#db
      .prepare(`SELECT * FROM ${this.#events} WHERE chain = ? AND (seq > ? OR (seq = ? AND id > ?)) ORDER BY seq, id LIMIT ?`)
      .all(chain, after.seq, after.seq, after.id, limit)
      .map(auditFromRow);
  }

  async chains(): Promise<string[]> {
    const rows = this.#db.prepare(`SELECT chain FROM ${this.#events} UNION SELECT chain FROM ${this.#checkpoints} ORDER BY chain`).all();
    return rows.map((r) => String(r.chain));
  }

  /**
   * One writer per chain among the processes sharing this file (they are on one host): a row names
   * the claiming process, and a row whose process is gone (a crash) is taken over.
   */
  async claim(chain: string): Promise<{ release(): Promise<void> } | false> {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const row = this.#db.prepare(`SELECT pid FROM ${this.#claims} WHERE chain = ?`).get(chain) as { pid: number } | undefined;
      if (row !== undefined && alive(row.pid)) {
        this.#db.exec('COMMIT');
        return false;
      }
      this.#db.prepare(`INSERT OR REPLACE INTO ${this.#claims} (chain, pid) VALUES (?, ?)`).run(chain, process.pid);
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
    return { release: async () => void this.#db.prepare(`DELETE FROM ${this.#claims} WHERE chain = ? AND pid = ?`).run(chain, process.pid) };
  }

  async addCheckpoint(checkpoint: AuditCheckpoint): Promise<void> {
    this.#insertCheckpoint(checkpoint);
  }

  #insertCheckpoint(c: AuditCheckpoint): void {
    this.#db
      .prepare(`INSERT OR REPLACE INTO ${this.#checkpoints} (chain, seq, hash, time, signature, key_id) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(c.chain, c.seq, c.hash, c.time, c.signature, c.keyId);
  }

  async checkpoints(chain: string): Promise<AuditCheckpoint[]> {
    return this.#db.prepare(`SELECT * FROM ${this.#checkpoints} WHERE chain = ? ORDER BY seq`).all(chain).map(checkpointFromRow);
  }

  async prune(chain: string, throughSeq: number): Promise<number> {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const deleted = this.#db.prepare(`DELETE FROM ${this.#events} WHERE chain = ? AND seq <= ?`).run(chain, throughSeq).changes;
      this.#db.prepare(`DELETE FROM ${this.#checkpoints} WHERE chain = ? AND seq < ?`).run(chain, throughSeq);
      this.#db.exec('COMMIT');
      return Number(deleted);
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }
}

/** Whether a process of this host is running (a claim of this very process counts as live). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
