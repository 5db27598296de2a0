// The audit tables in SQLite. Batches go in one IMMEDIATE transaction with one prepared statement.
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import {
  AUDIT_COLUMNS,
  auditFromRow,
  auditValues,
  auditWhere,
  checkpointFromRow,
  type AuditCheckpoint,
  type AuditQuery,
  type AuditRecord,
  type AuditStore,
} from './audit.ts';

// 19 columns × 50 rows = 950 parameters, under SQLite's limit (32,766 since 3.32).
const ROWS_PER_INSERT = 50;

export class SqliteAuditStore implements AuditStore {
  readonly #db: DatabaseSync;
  readonly #events: string;
  readonly #checkpoints: string;
  readonly #claims: string;
  #insertOne: StatementSync | undefined = undefined;
  #insertChunk: StatementSync | undefined = undefined;

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

  async query(q: AuditQuery): Promise<AuditRecord[]> {
    const { where, values } = auditWhere(q, () => '?');
    return this.#db
      .prepare(`SELECT * FROM ${this.#events} ${where} ORDER BY id DESC LIMIT ?`)
      .all(...(values as SQLInputValue[]), q.limit)
      .map(auditFromRow);
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
