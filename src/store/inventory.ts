// The inventory's table: one snapshot per node (a gateway process, or one cluster worker slot), as
// JSON text, replaced on every save. A node loads its own snapshot back after a restart. Both Store
// implementations expose one of these as `store.inventory`.
import type { DatabaseSync } from 'node:sqlite';
import type pg from 'pg';

export interface InventorySnapshot {
  readonly node: string;
  /** Epoch milliseconds of the save. */
  readonly savedAt: number;
  /** JSON text of the node's InventoryRaw. */
  readonly data: string;
}

export interface InventoryStore {
  /** Replaces the node's snapshot. */
  save(snapshot: InventorySnapshot): Promise<void>;
  load(node: string): Promise<InventorySnapshot | undefined>;
  /** Every node's snapshot, by node name. */
  list(): Promise<InventorySnapshot[]>;
}

const fromRow = (row: Record<string, unknown>): InventorySnapshot => ({ node: String(row.node), savedAt: Number(row.saved_at), data: String(row.data) });

export class SqliteInventoryStore implements InventoryStore {
  readonly #db: DatabaseSync;
  readonly #table: string;

  constructor(db: DatabaseSync, prefix: string) {
    this.#db = db;
    this.#table = `${prefix}inventory`;
  }

  migrate(): void {
    this.#db.exec(`CREATE TABLE IF NOT EXISTS ${this.#table} (node TEXT PRIMARY KEY, saved_at INTEGER NOT NULL, data TEXT NOT NULL)`);
  }

  async save(s: InventorySnapshot): Promise<void> {
    this.#db
      .prepare(`INSERT INTO ${this.#table} (node, saved_at, data) VALUES (?, ?, ?) ON CONFLICT (node) DO UPDATE SET saved_at = excluded.saved_at, data = excluded.data`)
      .run(s.node, s.savedAt, s.data);
  }

  async load(node: string): Promise<InventorySnapshot | undefined> {
    const row = this.#db.prepare(`SELECT * FROM ${this.#table} WHERE node = ?`).get(node);
    return row ? fromRow(row) : undefined;
  }

  async list(): Promise<InventorySnapshot[]> {
    return this.#db.prepare(`SELECT * FROM ${this.#table} ORDER BY node`).all().map(fromRow);
  }
}

export class PostgresInventoryStore implements InventoryStore {
  readonly #pool: pg.Pool;
  readonly #table: string;

  constructor(pool: pg.Pool, qualified: (name: string) => string, prefix: string) {
    this.#pool = pool;
    this.#table = qualified(`${prefix}inventory`);
  }

  /** Runs inside the Store's migration transaction. */
  async migrateWith(c: pg.PoolClient): Promise<void> {
    await c.query(`CREATE TABLE IF NOT EXISTS ${this.#table} (node TEXT PRIMARY KEY, saved_at BIGINT NOT NULL, data TEXT NOT NULL)`);
  }

  async save(s: InventorySnapshot): Promise<void> {
    await this.#pool.query(
      `INSERT INTO ${this.#table} (node, saved_at, data) VALUES ($1, $2, $3) ON CONFLICT (node) DO UPDATE SET saved_at = excluded.saved_at, data = excluded.data`,
      [s.node, s.savedAt, s.data],
    );
  }

  async load(node: string): Promise<InventorySnapshot | undefined> {
    const { rows } = await this.#pool.query(`SELECT * FROM ${this.#table} WHERE node = $1`, [node]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async list(): Promise<InventorySnapshot[]> {
    const { rows } = await this.#pool.query(`SELECT * FROM ${this.#table} ORDER BY node`);
    return rows.map(fromRow);
  }

  async dropTables(): Promise<void> {
    await this.#pool.query(`DROP TABLE IF EXISTS ${this.#table}`);
  }
}
