// The audit tables, one suite against SQLite (memory and file) and a real PostgreSQL (own schema).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { AUDIT_COLUMNS, type AuditRecord } from './audit.ts';
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

// The admin API's filters have indexes (allowed requests stay out of all but the verdict one), a
// store made before gets them on migrate, and the query steps use them.
test('audit store: the filter indexes are made on migrate and serve each filter newest first (SQLite)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcl-audit-filters-'));
  const file = join(dir, 'audit.db');
  try {
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(file);
    const store = new SqliteStore(file);
    await store.migrate();
    const table = 'pcl_audit_events';
    const names = () => (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name`).all(table) as { name: string }[]).map((r) => r.name);
    const made = names();
    // As an earlier version left the store: none of them.
    for (const name of made.filter((n) => /_(policy|verdict|client_ip|operation|api)/.test(n))) db.exec(`DROP INDEX ${name}`);
    assert.ok(names().length < made.length);
    await store.migrate();
    assert.deepEqual(names(), made);
    for (const [filter, index] of [
      ['policy = ?', 'policy_decided'],
      ['verdict = ?', 'verdict'],
      ["client_ip = ? AND verdict = ? AND verdict <> 'allow'", 'client_ip_decided'],
      ["client_ip = ? AND verdict <> 'allow'", 'client_ip_decided'],
      ["client_ip = ? AND verdict = 'allow'", 'verdict'],
      ["operation = ? AND verdict = ? AND verdict <> 'allow'", 'operation_decided'],
      ["api = ? AND verdict = ? AND verdict <> 'allow'", 'api_decided'],
    ] as const) {
      const n = filter.split('?').length - 1;
      const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT * FROM ${table} WHERE ${filter} AND id >= ? AND id < ? ORDER BY id DESC LIMIT ?`).all(...Array(n + 3).fill('x')) as { detail: string }[];
      assert.ok(plan.some((p) => p.detail.includes(`USING INDEX ${table}_${index}`) && !p.detail.includes('TEMP B-TREE')), `${filter}: ${JSON.stringify(plan)}`);
    }
    db.close();
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// node:sqlite runs on the event loop: a query no index serves must not scan the table in one call.
test('audit store: a query runs in steps over a large table, yielding between them, and finds the right events (SQLite)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcl-audit-steps-'));
  const file = join(dir, 'audit.db');
  try {
    const { DatabaseSync } = await import('node:sqlite');
    const store = new SqliteStore(file);
    await store.migrate();
    const db = new DatabaseSync(file);
    const n = 200_000;
    // Allowed requests from many addresses; every 20,000th request denied, and from 10.9.9.9 every 40,000th.
    db.exec(`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ${n})
      INSERT INTO pcl_audit_events (${AUDIT_COLUMNS})
      SELECT 'big', i, 1700000000000 + i, 'r' || i, CASE WHEN i % 40000 = 0 THEN '10.9.9.9' ELSE '192.0.2.' || (i % 200) END, NULL, NULL, 'shop',
        'getOrder', 'GET', '/orders/' || i, CASE WHEN i % 20000 = 0 THEN 403 ELSE 200 END, CASE WHEN i % 20000 = 0 THEN 'authorize' END,
        CASE WHEN i % 20000 = 0 THEN 'deny' ELSE 'allow' END, NULL, NULL, NULL, 'p' || i, 'h' || i FROM c`);
    db.close();
    const turns = async (query: Promise<AuditRecord[]>) => {
      let done = false;
      let n = 0;
      const rows = await Promise.all([query.finally(() => (done = true)), (async () => {
        while (!done) {
          await new Promise((r) => setImmediate(r));
          n++;
        }
      })()]).then(([rows]) => rows);
      return { rows, turns: n };
    };
    // Nothing matches, no index serves it: the whole table is read, a few thousand rows per step.
    const none = await turns(store.audit.query({ clientIp: '10.1.1.1', limit: 10 }));
    assert.deepEqual(none.rows, []);
    assert.ok(none.turns >= 3, `one synchronous scan (${none.turns} turns)`);
    const ip = await turns(store.audit.query({ clientIp: '10.9.9.9', limit: 10 }));
    assert.deepEqual(ip.rows.map((r) => r.seq), [200_000, 160_000, 120_000, 80_000, 40_000]);
    // Served by an index: a few steps, whatever the table holds.
    const denied = await turns(store.audit.query({ clientIp: '10.9.9.9', verdict: 'deny', limit: 10 }));
    assert.deepEqual(denied.rows.map((r) => r.seq), [200_000, 160_000, 120_000, 80_000, 40_000]);
    assert.ok(denied.turns <= 12, `${denied.turns} turns`);
    assert.deepEqual((await store.audit.query({ clientIp: '10.9.9.9', verdict: 'deny', limit: 3 })).map((r) => r.seq), [200_000, 160_000, 120_000]);
    assert.deepEqual((await store.audit.query({ verdict: 'deny', limit: 20, before: (await store.audit.query({ verdict: 'deny', limit: 1 }))[0]!.id })).map((r) => r.seq), [180_000, 160_000, 140_000, 120_000, 100_000, 80_000, 60_000, 40_000, 20_000]);
    assert.deepEqual((await store.audit.query({ policy: 'authorize', operation: 'getOrder', limit: 2 })).map((r) => r.seq), [200_000, 180_000]);
    assert.deepEqual((await store.audit.query({ verdict: 'allow', limit: 2 })).map((r) => r.seq), [199_999, 199_998]);
    assert.deepEqual((await store.audit.query({ limit: 2, before: 3 })).map((r) => r.seq), [2, 1]);
    // Time ranges: a small one (looked up in the time index), a large one, one with nothing in it.
    const t = 1_700_000_000_000;
    assert.deepEqual((await store.audit.query({ from: t + 1000, to: t + 1003, limit: 10 })).map((r) => r.seq), [1002, 1001, 1000]);
    assert.deepEqual((await store.audit.query({ from: t + 10, verdict: 'deny', limit: 2 })).map((r) => r.seq), [200_000, 180_000]);
    assert.deepEqual((await store.audit.query({ to: t + 40_001, clientIp: '10.9.9.9', limit: 5 })).map((r) => r.seq), [40_000]);
    assert.deepEqual(await store.audit.query({ from: t + n + 1, limit: 5 }), []);
    // Queries running together each get every answer right (they run one after another).
    const together = await Promise.all([1, 2, 3].map(() => store.audit.query({ clientIp: '10.9.9.9', limit: 2 })));
    assert.deepEqual(together.map((rows) => rows.map((r) => r.seq)), [[200_000, 160_000], [200_000, 160_000], [200_000, 160_000]]);
    // A trail of decisions only (sampleAllowed 0, the default): a query by address with no verdict is
    // served by the index too (the allowed part finds nothing to read).
    const cut = new DatabaseSync(file);
    cut.exec(`DELETE FROM pcl_audit_events WHERE verdict = 'allow' AND seq < 199000`);
    cut.close();
    const decided = await turns(store.audit.query({ clientIp: '10.9.9.9', limit: 10 }));
    assert.deepEqual(decided.rows.map((r) => r.seq), [200_000, 160_000, 120_000, 80_000, 40_000]);
    assert.ok(decided.turns <= 12, `${decided.turns} turns`);
    assert.deepEqual((await store.audit.query({ operation: 'getOrder', limit: 3 })).map((r) => r.seq), [200_000, 199_999, 199_998]);
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('audit store: the filter indexes are made on migrate, also on a store made before (PostgreSQL)', async (t) => {
  if (!DATABASE_URL) return t.skip('DATABASE_URL is not set');
  const schema = `pcl_audit_idx_${process.pid}_${randomBytes(4).toString('hex')}`;
  const store = new PostgresStore(DATABASE_URL, { schema });
  const client = new pg.Client(DATABASE_URL);
  await client.connect();
  try {
    await store.migrate();
    const names = async () => (await client.query('SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname', [schema])).rows as { indexname: string; indexdef: string }[];
    const made = await names();
    const added = made.filter((i) => /^pcl_audit_events_(policy|verdict|client_ip|operation|api)/.test(i.indexname));
    assert.deepEqual(added.map((i) => i.indexname), ['pcl_audit_events_api_decided', 'pcl_audit_events_client_ip_decided', 'pcl_audit_events_operation_decided', 'pcl_audit_events_policy_decided', 'pcl_audit_events_verdict']);
    assert.match(added.find((i) => i.indexname.endsWith('client_ip_decided'))!.indexdef, /\(client_ip, id\) WHERE \(verdict <> 'allow'::text\)/);
    for (const i of added) await client.query(`DROP INDEX "${schema}".${i.indexname}`);
    await store.migrate();
    assert.deepEqual(await names(), made);
    // The partial indexes are usable by a query with a verdict other than allow.
    await store.audit.append([event('q', 1), event('q', 2), event('q', 3)]);
    assert.deepEqual((await store.audit.query({ clientIp: '10.0.0.1', verdict: 'deny', limit: 10 })).map((r) => r.seq), [3, 1]);
    await client.query(`SET enable_seqscan = off`);
    const plan = (await client.query(`EXPLAIN SELECT * FROM "${schema}".pcl_audit_events WHERE client_ip = $1 AND verdict = $2 AND verdict <> 'allow' ORDER BY id DESC LIMIT 5`, ['10.0.0.1', 'deny'])).rows.map((r) => String(r['QUERY PLAN'])).join('\n');
    assert.match(plan, /pcl_audit_events_client_ip_decided/);
  } finally {
    await store.close();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
});
