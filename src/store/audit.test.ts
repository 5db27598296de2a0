// The audit tables, one suite against SQLite (memory and file) and a real PostgreSQL (own schema).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import type { AuditRecord } from './audit.ts';
import { PostgresStore } from './postgres.ts';
import { SqliteStore } from './sqlite.ts';
import type { Store } from './types.ts';

const DATABASE_URL = process.env.DATABASE_URL;

function event(chain: string, seq: number, extra: Partial<AuditRecord> = {}): AuditRecord {
  return {
    chain, seq, time: 1_700_000_000_000 + seq * 1000, requestId: `r${seq}`, clientIp: seq % 2 ? '10.0.0.1' : '10.0.0.2',
    consumer: seq % 3 === 0 ? 'alice' : null, subject: null, api: 'shop', operation: seq % 2 ? 'getOrder' : 'listOrders',
    method: 'GET', path: `/orders/${seq}`, status: seq % 2 ? 403 : 200, policy: seq % 2 ? 'authorize' : null,
    verdict: seq % 2 ? 'deny' : 'allow', reason: seq % 2 ? 'PCL_ERR_FORBIDDEN' : null, decisions: null,
    evidence: seq % 2 ? '{"reason":"role"}' : null, prevHash: `p${seq}`, hash: `h${seq}`, ...extra,
  };
}

function suite(name: string, open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>) {
  describe(`audit store: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void> = async () => {};
    const ready = open().then(async (o) => {
      store = o.store;
      cleanup = o.cleanup;
      await store.migrate();
      await store.migrate();
    });
    after(async () => {
      await ready.catch(() => {});
      await cleanup();
    });

    test('append in order, head, get, scan by (seq, id), chains', async () => {
      await ready;
      const a = store.audit;
      assert.equal(await a.head('a'), undefined);
      await a.append([1, 2, 3, 4, 5, 6].map((s) => event('a', s)), { chain: 'a', seq: 6, hash: 'h6', time: 5, signature: 'sig', keyId: 'k' });
      await a.append([event('b', 1)]);
      assert.deepEqual(await a.head('a'), { seq: 6, hash: 'h6' });
      const all = await a.scan('a', { seq: -1, id: 0 }, 100);
      assert.deepEqual(all.map((r) => r.seq), [1, 2, 3, 4, 5, 6]);
      const { id, ...first } = all[0]!;
      assert.deepEqual(first, event('a', 1));
      assert.deepEqual(await a.get(id!), all[0]);
      assert.equal(await a.get(999_999), undefined);
      const page2 = await a.scan('a', { seq: all[2]!.seq, id: all[2]!.id! }, 2);
      assert.deepEqual(page2.map((r) => r.seq), [4, 5]);
      assert.deepEqual(await a.chains(), ['a', 'b']);
      assert.deepEqual(await a.checkpoints('a'), [{ chain: 'a', seq: 6, hash: 'h6', time: 5, signature: 'sig', keyId: 'k' }]);
    });

    test('a failing batch writes nothing (one transaction)', async () => {
      await ready;
      const bad = { ...event('c', 2), method: null } as unknown as AuditRecord;
      await assert.rejects(store.audit.append([event('c', 1), bad]));
      assert.equal(await store.audit.head('c'), undefined);
    });

    test('query: filters, newest first, cursor', async () => {
      await ready;
      const a = store.audit;
      const denied = await a.query({ verdict: 'deny', limit: 10 });
      assert.deepEqual(denied.filter((r) => r.chain === 'a').map((r) => r.seq), [5, 3, 1]);
      assert.deepEqual((await a.query({ consumer: 'alice', limit: 10 })).map((r) => r.seq), [6, 3]);
      assert.deepEqual((await a.query({ operation: 'listOrders', api: 'shop', clientIp: '10.0.0.2', limit: 10 })).filter((r) => r.chain === 'a').map((r) => r.seq), [6, 4, 2]);
      const t = 1_700_000_000_000;
      assert.deepEqual((await a.query({ from: t + 2000, to: t + 4000, limit: 10 })).filter((r) => r.chain === 'a').map((r) => r.seq), [3, 2]);
      const first = await a.query({ limit: 2 });
      const next = await a.query({ limit: 2, before: first.at(-1)!.id });
      assert.ok(next.every((r) => r.id! < first.at(-1)!.id!));
      assert.equal(new Set([...first, ...next].map((r) => r.id)).size, 4);
    });

    test('claim: one writer per chain (PostgreSQL: advisory lock; SQLite: a claim row naming a live process)', async () => {
      await ready;
      const first = await store.audit.claim('k');
      assert.ok(first);
      const second = await store.audit.claim('k');
      assert.equal(second, false);
      const other = await store.audit.claim('another-chain');
      assert.ok(other);
      await other.release();
      await first.release();
      const again = await store.audit.claim('k');
      assert.ok(again);
      await again.release();
    });

    test('prune deletes events through a seq and older checkpoints, keeping the anchor', async () => {
      await ready;
      const a = store.audit;
      await a.append([1, 2, 3, 4].map((s) => event('p', s)), { chain: 'p', seq: 2, hash: 'h2', time: 1, signature: null, keyId: null });
      await a.addCheckpoint({ chain: 'p', seq: 1, hash: 'h1', time: 0, signature: null, keyId: null });
      assert.equal(await a.prune('p', 2), 2);
      assert.deepEqual((await a.scan('p', { seq: -1, id: 0 }, 10)).map((r) => r.seq), [3, 4]);
      assert.deepEqual((await a.checkpoints('p')).map((c) => c.seq), [2]);
    });
  });
}

suite('sqlite :memory:', async () => ({ store: new SqliteStore(':memory:'), cleanup: async () => {} }));

suite('sqlite file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcl-audit-store-'));
  const store = new SqliteStore(join(dir, 'audit.db'));
  return { store, cleanup: async () => (await store.close(), await rm(dir, { recursive: true, force: true })) };
});

if (DATABASE_URL) {
  suite('postgres', async () => {
    const schema = `pcl_audit_${process.pid}_${randomBytes(4).toString('hex')}`;
    const store = new PostgresStore(DATABASE_URL, { schema });
    return {
      store,
      cleanup: async () => {
        await store.close();
        const client = new pg.Client(DATABASE_URL);
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      },
    };
  });
} else {
  test('audit store: postgres', (t) => t.skip('DATABASE_URL is not set'));
}

// The consumer index leaves anonymous events out (one index fewer to update for most allowed
// requests); queries by consumer must still use it, and a store made before keeps no full index.
test('audit store: the consumer index is partial and used by queries by consumer (SQLite)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcl-audit-index-'));
  const file = join(dir, 'audit.db');
  try {
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(file);
    const store = new SqliteStore(file);
    await store.migrate();
    const table = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%audit_events'`).get() as { name: string }).name;
    // As an earlier version left it: a full index on (consumer, id).
    db.exec(`DROP INDEX ${table}_consumer_named; CREATE INDEX ${table}_consumer ON ${table} (consumer, id)`);
    await store.migrate();
    const indexes = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name LIKE '%consumer%'`).all(table) as { name: string; sql: string }[];
    assert.deepEqual(indexes.map((i) => i.name), [`${table}_consumer_named`]);
    assert.match(indexes[0]!.sql, /WHERE consumer IS NOT NULL/);
    await store.audit.append([event('i', 1, { consumer: null }), event('i', 2, { consumer: 'alice' })]);
    const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT * FROM ${table} WHERE consumer = ? ORDER BY id DESC LIMIT ?`).all('alice', 10) as { detail: string }[];
    assert.ok(plan.some((p) => p.detail.includes(`${table}_consumer_named`)), JSON.stringify(plan));
    assert.deepEqual((await store.audit.query({ consumer: 'alice', limit: 10 })).map((r) => r.seq), [2]);
    db.close();
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
