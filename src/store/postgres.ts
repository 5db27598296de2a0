// The Store on PostgreSQL, for many gateways sharing consumers and keys. A small pool; idle clients
// never keep the process alive. Tables live in `schema` (default "public") with the table prefix.
import pg from 'pg';
import { PostgresAuditStore } from './audit-postgres.ts';
import { PostgresInventoryStore } from './inventory.ts';
import {
  checkIdentifier,
  consumerFromRow,
  DEFAULT_TABLE_PREFIX,
  DuplicateKeyError,
  keyFromRow,
  type ApiKeyRecord,
  type Consumer,
  type Store,
} from './types.ts';

export interface PostgresStoreOptions {
  readonly schema?: string;
  readonly tablePrefix?: string;
  readonly maxConnections?: number;
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #schema: string;
  readonly #consumers: string;
  readonly #keys: string;
  readonly #prefix: string;
  readonly audit: PostgresAuditStore;
  readonly inventory: PostgresInventoryStore;

  constructor(url: string, options: PostgresStoreOptions = {}) {
    this.#schema = checkIdentifier(options.schema ?? 'public', 'the schema');
    this.#prefix = checkIdentifier(options.tablePrefix ?? DEFAULT_TABLE_PREFIX, 'the table prefix');
    this.#consumers = `"${this.#schema}".${this.#prefix}consumers`;
    this.#keys = `"${this.#schema}".${this.#prefix}api_keys`;
    this.#pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 4, allowExitOnIdle: true, connectionTimeoutMillis: 5000 });
    // A broken idle connection must not crash the gateway; the next query gets a fresh one.
    this.#pool.on('error', () => {});
    this.audit = new PostgresAuditStore(this.#pool, (name) => `"${this.#schema}".${name}`, this.#prefix);
    this.inventory = new PostgresInventoryStore(this.#pool, (name) => `"${this.#schema}".${name}`, this.#prefix);
  }

  async migrate(): Promise<void> {
    await this.#transaction(async (c) => {
      // Serializes concurrent migrations (several gateways starting at once).
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`portcullis-migrate:${this.#schema}.${this.#prefix}`]);
      await c.query(`CREATE SCHEMA IF NOT EXISTS "${this.#schema}"`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.#consumers} (
        id TEXT PRIMARY KEY, name TEXT, roles TEXT NOT NULL DEFAULT '[]', scopes TEXT NOT NULL DEFAULT '[]',
        metadata TEXT NOT NULL DEFAULT '{}', tier TEXT)`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.#keys} (
        id TEXT PRIMARY KEY, consumer_id TEXT NOT NULL, hash TEXT NOT NULL, scopes TEXT NOT NULL DEFAULT '[]',
        created_at BIGINT NOT NULL, expires_at BIGINT, revoked_at BIGINT, rotated_from TEXT)`);
      await c.query(`CREATE INDEX IF NOT EXISTS ${this.#prefix}api_keys_consumer ON ${this.#keys} (consumer_id)`);
      await this.audit.migrateWith(c);
      await this.inventory.migrateWith(c);
    });
  }

  async upsertConsumer(c: Consumer): Promise<void> {
    await this.#pool.query(
      `INSERT INTO ${this.#consumers} (id, name, roles, scopes, metadata, tier) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, roles = excluded.roles, scopes = excluded.scopes,
         metadata = excluded.metadata, tier = excluded.tier`,
      [c.id, c.name ?? null, JSON.stringify(c.roles), JSON.stringify(c.scopes), JSON.stringify(c.metadata), c.tier ?? null],
    );
  }

  async getConsumer(id: string): Promise<Consumer | undefined> {
    const { rows } = await this.#pool.query(`SELECT * FROM ${this.#consumers} WHERE id = $1`, [id]);
    return rows[0] ? consumerFromRow(rows[0]) : undefined;
  }

  async listConsumers(): Promise<Consumer[]> {
    const { rows } = await this.#pool.query(`SELECT * FROM ${this.#consumers} ORDER BY id`);
    return rows.map(consumerFromRow);
  }

  async deleteConsumer(id: string, at: number): Promise<boolean> {
    return this.#transaction(async (c) => {
      await c.query(`UPDATE ${this.#keys} SET revoked_at = $1 WHERE consumer_id = $2 AND revoked_at IS NULL`, [at, id]);
      return ((await c.query(`DELETE FROM ${this.#consumers} WHERE id = $1`, [id])).rowCount ?? 0) > 0;
    });
  }

  async insertKey(k: ApiKeyRecord): Promise<void> {
    await this.#insertKey(this.#pool, k);
  }

  async #insertKey(c: pg.Pool | pg.PoolClient, k: ApiKeyRecord): Promise<void> {
    try {
      await c.query(
        `INSERT INTO ${this.#keys} (id, consumer_id, hash, scopes, created_at, expires_at, revoked_at, rotated_from)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [k.id, k.consumerId, k.hash, JSON.stringify(k.scopes), k.createdAt, k.expiresAt ?? null, k.revokedAt ?? null, k.rotatedFrom ?? null],
      );
    } catch (error) {
      if ((error as { code?: string }).code === '23505' /* unique_violation */) throw new DuplicateKeyError(k.id);
      throw error;
    }
  }

  async getKey(id: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.#pool.query(`SELECT * FROM ${this.#keys} WHERE id = $1`, [id]);
    return rows[0] ? keyFromRow(rows[0]) : undefined;
  }

  async listKeys(consumerId?: string): Promise<ApiKeyRecord[]> {
    const { rows } =
      consumerId === undefined
        ? await this.#pool.query(`SELECT * FROM ${this.#keys} ORDER BY created_at, id`)
        : await this.#pool.query(`SELECT * FROM ${this.#keys} WHERE consumer_id = $1 ORDER BY created_at, id`, [consumerId]);
    return rows.map(keyFromRow);
  }

  async revokeKey(id: string, at: number): Promise<boolean> {
    const result = await this.#pool.query(`UPDATE ${this.#keys} SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, [at, id]);
    return (result.rowCount ?? 0) > 0;
  }

  async rotateKey(oldId: string, next: ApiKeyRecord, oldExpiresAt: number): Promise<boolean> {
    return this.#transaction(async (c) => {
      const result = await c.query(
        `UPDATE ${this.#keys} SET expires_at = LEAST(COALESCE(expires_at, $1), $1) WHERE id = $2 AND revoked_at IS NULL`,
        [oldExpiresAt, oldId],
      );
      if ((result.rowCount ?? 0) === 0) return false;
      await this.#insertKey(c, { ...next, rotatedFrom: oldId });
      return true;
    });
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  /** Drops the schema's tables (tests clean up with it). */
  async dropTables(): Promise<void> {
    await this.#pool.query(`DROP TABLE IF EXISTS ${this.#keys}, ${this.#consumers}`);
    await this.audit.dropTables();
    await this.inventory.dropTables();
  }

  async #transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
}
