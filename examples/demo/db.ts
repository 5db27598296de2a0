// The demo's in-memory SQLite database (node:sqlite): schema, a statement cache and row types.
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';

const SCHEMA = `
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  email TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('user', 'admin')),
  balance REAL NOT NULL DEFAULT 0,
  api_key TEXT NOT NULL UNIQUE,
  avatar_url TEXT,
  mfa_secret TEXT,
  internal_notes TEXT,
  stripe_customer_id TEXT,
  last_login_ip TEXT,
  created_at TEXT NOT NULL
);
CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  category TEXT NOT NULL,
  price REAL NOT NULL,
  stock INTEGER NOT NULL,
  hidden INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  owner_id INTEGER NOT NULL REFERENCES users(id),
  product_id INTEGER NOT NULL REFERENCES products(id),
  quantity INTEGER NOT NULL,
  total REAL NOT NULL,
  status TEXT NOT NULL,
  shipping_address TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE notes (
  id INTEGER PRIMARY KEY,
  owner_id INTEGER NOT NULL REFERENCES users(id),
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`;

/** Every column of a user, internal ones included (what the leaky endpoints return). */
export const USER_ALL = `id, username, display_name AS displayName, email, role, balance, avatar_url AS avatarUrl,
  password_hash AS passwordHash, mfa_secret AS mfaSecret, internal_notes AS internalNotes,
  stripe_customer_id AS stripeCustomerId, last_login_ip AS lastLoginIp, created_at AS createdAt`;
/** The public profile (what GET /users rightly returns). */
export const USER_PUBLIC = 'id, username, display_name AS displayName, avatar_url AS avatarUrl, created_at AS createdAt';
/** Private but legitimate: the caller's own account, or an admin's view. */
export const USER_ACCOUNT = `id, username, display_name AS displayName, email, role, balance, avatar_url AS avatarUrl,
  created_at AS createdAt`;
export const ORDER = `id, owner_id AS ownerId, product_id AS productId, quantity, total, status,
  shipping_address AS shippingAddress, created_at AS createdAt`;
export const NOTE = 'id, owner_id AS ownerId, title, body, created_at AS createdAt, updated_at AS updatedAt';
export const PRODUCT = 'id, name, description, category, price, stock';

export type Row = Record<string, SQLInputValue>;

export class Db {
  readonly raw: DatabaseSync;
  readonly #cache = new Map<string, StatementSync>();

  constructor() {
    this.raw = new DatabaseSync(':memory:');
    this.raw.exec('PRAGMA foreign_keys = ON;');
    this.raw.exec(SCHEMA);
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#cache.get(sql);
    if (!statement) this.#cache.set(sql, (statement = this.raw.prepare(sql)));
    return statement;
  }

  all(sql: string, ...params: SQLInputValue[]): Row[] {
    return this.#prepare(sql).all(...params) as Row[];
  }

  get(sql: string, ...params: SQLInputValue[]): Row | undefined {
    return this.#prepare(sql).get(...params) as Row | undefined;
  }

  run(sql: string, ...params: SQLInputValue[]): { changes: number; lastInsertRowid: number } {
    const result = this.#prepare(sql).run(...params);
    return { changes: Number(result.changes), lastInsertRowid: Number(result.lastInsertRowid) };
  }

  /** Deletes every row (schema kept), for a reseed. */
  clear(): void {
    this.raw.exec('DELETE FROM orders; DELETE FROM notes; DELETE FROM products; DELETE FROM users;');
  }

  close(): void {
    this.#cache.clear();
    this.raw.close();
  }
}

export function now(): string {
  return new Date().toISOString();
}
