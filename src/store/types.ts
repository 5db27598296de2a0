// The Store: consumers and their hashed API keys, kept in SQLite (one machine) or PostgreSQL (many
// gateways). One interface, both implementations run the same tests (store.test.ts).
// Times are epoch milliseconds; `undefined` means "not set".
import type { AuditStore } from './audit.ts';
import type { InventoryStore } from './inventory.ts';

export interface Consumer {
  readonly id: string;
  readonly name?: string | undefined;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Rate-limit tier (used by the limit phase). */
  readonly tier?: string | undefined;
}

export interface ApiKeyRecord {
  /** The key's public prefix ("pcl_live_AbCdEfGh"): unique, shown by `keys list`, never enough to call with. */
  readonly id: string;
  readonly consumerId: string;
  /** Hex SHA-256 of the whole key. The key itself is never stored. */
  readonly hash: string;
  /** When not empty, the key can do at most this (narrows the consumer's scopes). */
  readonly scopes: readonly string[];
  readonly createdAt: number;
  readonly expiresAt?: number | undefined;
  readonly revokedAt?: number | undefined;
  /** The key this one replaced (`keys rotate`). */
  readonly rotatedFrom?: string | undefined;
}

export class DuplicateKeyError extends Error {
  constructor(id: string) {
    super(`an API key with the id ${id} already exists`);
    this.name = 'DuplicateKeyError';
  }
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** The audit trail's events and checkpoints (store/audit.ts); migrated with the rest. */
  readonly audit: AuditStore;
  /** The inventory's snapshots (store/inventory.ts); migrated with the rest. */
  readonly inventory: InventoryStore;
  /** Creates the tables if needed; safe to run from several processes at once. */
  migrate(): Promise<void>;
  /** SQLite: checkpoint the write-ahead log on a worker thread, not in this thread's commits (the audit writer's store). */
  checkpointInBackground?(): void;
  upsertConsumer(consumer: Consumer): Promise<void>;
  getConsumer(id: string): Promise<Consumer | undefined>;
  listConsumers(): Promise<Consumer[]>;
  /** Deletes the consumer and revokes its keys; false when there was none. */
  deleteConsumer(id: string, at: number): Promise<boolean>;
  /** Throws DuplicateKeyError when the id is taken. */
  insertKey(key: ApiKeyRecord): Promise<void>;
  getKey(id: string): Promise<ApiKeyRecord | undefined>;
  listKeys(consumerId?: string): Promise<ApiKeyRecord[]>;
  /** False when the key does not exist or was already revoked. */
  revokeKey(id: string, at: number): Promise<boolean>;
  /**
   * Atomically: inserts `next` (rotatedFrom = oldId) and makes the old key expire at `oldExpiresAt`
   * (or earlier, if it already expired sooner). False (and nothing written) when the old key does not
   * exist or is revoked.
   */
  rotateKey(oldId: string, next: ApiKeyRecord, oldExpiresAt: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Table names: `<prefix>consumers`, `<prefix>api_keys`. */
export const DEFAULT_TABLE_PREFIX = 'pcl_';

export function checkIdentifier(value: string, what: string): string {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(value)) throw new Error(`${what} must be lower-case letters, digits and "_" (got "${value}")`);
  return value;
}

/** Row helpers shared by both implementations. */
export function parseList(text: unknown): string[] {
  if (typeof text !== 'string') return [];
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value.map(String) : [];
}

export function parseObject(text: unknown): Record<string, unknown> {
  if (typeof text !== 'string') return {};
  const value: unknown = JSON.parse(text);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function optionalNumber(value: unknown): number | undefined {
  return value === null || value === undefined ? undefined : Number(value);
}

export function optionalString(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

export function consumerFromRow(row: Record<string, unknown>): Consumer {
  return {
    id: String(row.id),
    name: optionalString(row.name),
    roles: parseList(row.roles),
    scopes: parseList(row.scopes),
    metadata: parseObject(row.metadata),
    tier: optionalString(row.tier),
  };
}

export function keyFromRow(row: Record<string, unknown>): ApiKeyRecord {
  return {
    id: String(row.id),
    consumerId: String(row.consumer_id),
    hash: String(row.hash),
    scopes: parseList(row.scopes),
    createdAt: Number(row.created_at),
    expiresAt: optionalNumber(row.expires_at),
    revokedAt: optionalNumber(row.revoked_at),
    rotatedFrom: optionalString(row.rotated_from),
  };
}
