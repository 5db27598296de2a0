// The audit tables in PostgreSQL. A batch is one multi-row INSERT (chunks of 500 rows) in a transaction.
import type pg from 'pg';
import {
  AUDIT_COLUMNS,
  auditFromRow,
  auditIndexes,
  auditParts,
  auditValues,
  auditWhere,
  checkpointFromRow,
  newestFirst,
  type AuditCheckpoint,
  type AuditQuery,
  type AuditRecord,
  type AuditStore,
} from './audit.ts';

const COLUMNS = 19;
const CHUNK = 500;

export class PostgresAuditStore implements AuditStore {
  readonly #pool: pg.Pool;
  readonly #events: string;
  readonly #checkpoints: string;
  readonly #indexPrefix: string;
  readonly #qualified: (name: string) => string;

  /** `qualified(name)` gives the schema-qualified table name. */
  constructor(pool: pg.Pool, qualified: (name: string) => string, prefix: string) {
    this.#pool = pool;
    this.#qualified = qualified;
    this.#events = qualified(`${prefix}audit_events`);
    this.#checkpoints = qualified(`${prefix}audit_checkpoints`);
    this.#indexPrefix = `${prefix}audit_events`;
  }

  /** Runs inside the Store's migration transaction (it holds the advisory lock). */
  async migrateWith(c: pg.PoolClient): Promise<void> {
    await c.query(`CREATE TABLE IF NOT EXISTS ${this.#events} (
      id BIGSERIAL PRIMARY KEY, chain TEXT NOT NULL, seq BIGINT NOT NULL, time BIGINT NOT NULL,
      request_id TEXT NOT NULL, client_ip TEXT NOT NULL, consumer TEXT, subject TEXT, api TEXT, operation TEXT,
      method TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL, policy TEXT, verdict TEXT NOT NULL,
      reason TEXT, decisions TEXT, evidence TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)`);
    await c.query(`CREATE INDEX IF NOT EXISTS ${this.#indexPrefix}_chain ON ${this.#events} (chain, seq)`);
    await c.query(`CREATE INDEX IF NOT EXISTS ${this.#indexPrefix}_time ON ${this.#events} (time)`);
    // Anonymous events (most allowed requests) stay out of the consumer index: nothing to find them by,
    // and one index fewer to update per event. `consumer = $1` implies NOT NULL, so queries still use it.
    await c.query(`DROP INDEX IF EXISTS ${this.#qualified(`${this.#indexPrefix}_consumer`)}`);
    await c.query(`CREATE INDEX IF NOT EXISTS ${this.#indexPrefix}_consumer_named ON ${this.#events} (consumer, id) WHERE consumer IS NOT NULL`);
    // The admin API's filters (store/audit.ts). On a store made by an earlier version they are built on
    // the first start, in this transaction: audit writes wait meanwhile (the writers buffer and retry).
    for (const i of auditIndexes(this.#indexPrefix)) await c.query(`CREATE INDEX IF NOT EXISTS ${i.name} ON ${this.#events} ${i.on}`);
    await c.query(`CREATE TABLE IF NOT EXISTS ${this.#checkpoints} (
      chain TEXT NOT NULL, seq BIGINT NOT NULL, hash TEXT NOT NULL, time BIGINT NOT NULL,
      signature TEXT, key_id TEXT, PRIMARY KEY (chain, seq))`);
  }

  async migrate(): Promise<void> {
    const c = await this.#pool.connect();
    try {
      await this.migrateWith(c);
    } finally {
      c.release();
    }
  }

  async append(events: readonly AuditRecord[], checkpoint?: AuditCheckpoint): Promise<void> {
    const c = await this.#pool.connect();
    try {
      await c.query('BEGIN');
      for (let i = 0; i < events.length; i += CHUNK) {
        const chunk = events.slice(i, i + CHUNK);
        const rows = chunk.map((_, r) => `(${Array.from({ length: COLUMNS }, (_, k) => `$${r * COLUMNS + k + 1}`).join(', ')})`);
        await c.query(`INSERT INTO ${this.#events} (${AUDIT_COLUMNS}) VALUES ${rows.join(', ')}`, chunk.reduce((values, e) => auditValues(e, values), [] as (string | number | null)[]));
      }
      if (checkpoint) await this.#insertCheckpoint(c, checkpoint);
      await c.query('COMMIT');
    } catch (error) {
      await c.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      c.release();
    }
  }

  async head(chain: string): Promise<{ seq: number; hash: string } | undefined> {
    const { rows } = await this.#pool.query(`SELECT seq, hash FROM ${this.#events} WHERE chain = $1 ORDER BY seq DESC, id DESC LIMIT 1`, [chain]);
    return rows[0] ? { seq: Number(rows[0].seq), hash: String(rows[0].hash) } : undefined;
  }

  async query(q: AuditQuery): Promise<AuditRecord[]> {
    const parts = await Promise.all(
      auditParts(q).map(async (part) => {
        const { where, values } = auditWhere(q, (i) => `$${i}`, part);
        const { rows } = await this.#pool.query(`SELECT * FROM ${this.#events} ${where} ORDER BY id DESC LIMIT $${values.length + 1}`, [...values, q.limit]);
        return rows.map(auditFromRow);
      }),
    );
    return parts.length === 1 ? parts[0]! : newestFirst(parts.flat(), q.limit);
  }

  async get(id: number): Promise<AuditRecord | undefined> {
    const { rows } = await this.#pool.query(`SELECT * FROM ${this.#events} WHERE id = $1`, [id]);
    return rows[0] ? auditFromRow(rows[0]) : undefined;
  }

  async scan(chain: string, after: { seq: number; id: number }, limit: number): Promise<AuditRecord[]> {
    const { rows } = await this.#pool.query(
      `SELECT * FROM ${this.#events} WHERE chain = $1 AND (seq > $2 OR (seq = $2 AND id > $3)) ORDER BY seq, id LIMIT $4`,
      [chain, after.seq, after.id, limit],
    );
    return rows.map(auditFromRow);
  }

  async chains(): Promise<string[]> {
    const { rows } = await this.#pool.query(`SELECT chain FROM ${this.#events} UNION SELECT chain FROM ${this.#checkpoints} ORDER BY chain`);
    return rows.map((r) => String(r.chain));
  }

  async claim(chain: string): Promise<{ release(): Promise<void> } | false> {
    const c = await this.#pool.connect();
    const key = `portcullis-audit-chain:${this.#events}:${chain}`;
    try {
      const { rows } = await c.query('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [key]);
      if (rows[0]?.ok !== true) {
        c.release();
        return false;
      }
    } catch (error) {
      c.release();
      throw error;
    }
    // The lock lives as long as this session: the client is kept out of the pool until release, which
    // unlocks explicitly (a closed session frees its locks only once the server notices, too late for
    // a writer reopening the chain at once) and then drops the connection.
    return {
      release: async () => {
        try {
          await c.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
        } finally {
          c.release(true);
        }
      },
    };
  }

  async addCheckpoint(checkpoint: AuditCheckpoint): Promise<void> {
    await this.#insertCheckpoint(this.#pool, checkpoint);
  }

  async #insertCheckpoint(c: pg.Pool | pg.PoolClient, cp: AuditCheckpoint): Promise<void> {
    await c.query(
      `INSERT INTO ${this.#checkpoints} (chain, seq, hash, time, signature, key_id) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (chain, seq) DO UPDATE SET hash = excluded.hash, time = excluded.time, signature = excluded.signature, key_id = excluded.key_id`,
      [cp.chain, cp.seq, cp.hash, cp.time, cp.signature, cp.keyId],
    );
  }

  async checkpoints(chain: string): Promise<AuditCheckpoint[]> {
    const { rows } = await this.#pool.query(`SELECT * FROM ${this.#checkpoints} WHERE chain = $1 ORDER BY seq`, [chain]);
    return rows.map(checkpointFromRow);
  }

  async prune(chain: string, throughSeq: number): Promise<number> {
    const c = await this.#pool.connect();
    try {
      await c.query('BEGIN');
      const deleted = await c.query(`DELETE FROM ${this.#events} WHERE chain = $1 AND seq <= $2`, [chain, throughSeq]);
      await c.query(`DELETE FROM ${this.#checkpoints} WHERE chain = $1 AND seq < $2`, [chain, throughSeq]);
      await c.query('COMMIT');
      return deleted.rowCount ?? 0;
    } catch (error) {
      await c.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      c.release();
    }
  }

  async dropTables(): Promise<void> {
    await this.#pool.query(`DROP TABLE IF EXISTS ${this.#events}, ${this.#checkpoints}`);
  }
}
