// One suite, run against SQLite (in memory and a file) and a real PostgreSQL (DATABASE_URL, a schema
// of its own per run, dropped afterwards).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { PostgresStore } from './postgres.ts';
import { SqliteStore } from './sqlite.ts';
import { DuplicateKeyError, type ApiKeyRecord, type Store } from './types.ts';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const key = (id: string, extra: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  id,
  consumerId: 'alice',
  hash: randomBytes(32).toString('hex'),
  scopes: ['orders:read'],
  createdAt: 1_700_000_000_000,
  ...extra,
});

function suite(name: string, open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>) {
  describe(`Store: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    const ready = open().then((o) => {
      store = o.store;
      cleanup = o.cleanup;
      return o.store.migrate();
    });
    after(async () => {
      await ready.catch(() => {});
      await cleanup?.();
    });

    test('migrate is idempotent and safe to run concurrently', async () => {
      await ready;
      await Promise.all([store.migrate(), store.migrate(), store.migrate()]);
    });

    test('consumers: upsert, get, list, delete (which revokes their keys)', async () => {
      await ready;
      await store.upsertConsumer({ id: 'alice', name: 'Alice', roles: ['user'], scopes: ['orders:read', 'orders:write'], metadata: { team: 'a', n: 1 }, tier: 'gold' });
      await store.upsertConsumer({ id: 'bob', roles: [], scopes: [], metadata: {} });
      assert.deepEqual(await store.getConsumer('alice'), { id: 'alice', name: 'Alice', roles: ['user'], scopes: ['orders:read', 'orders:write'], metadata: { team: 'a', n: 1 }, tier: 'gold' });
      await store.upsertConsumer({ id: 'alice', name: 'Alice L.', roles: ['user', 'admin'], scopes: [], metadata: {}, tier: undefined });
      assert.deepEqual(await store.getConsumer('alice'), { id: 'alice', name: 'Alice L.', roles: ['user', 'admin'], scopes: [], metadata: {}, tier: undefined });
      assert.equal(await store.getConsumer('nobody'), undefined);
      assert.deepEqual((await store.listConsumers()).map((c) => c.id), ['alice', 'bob']);
      await store.insertKey(key('pcl_test_bobkey01', { consumerId: 'bob' }));
      assert.equal(await store.deleteConsumer('bob', 5), true);
      assert.equal(await store.deleteConsumer('bob', 6), false);
      assert.equal((await store.getKey('pcl_test_bobkey01'))?.revokedAt, 5);
    });

    test('keys: insert, get, duplicate id, list by consumer', async () => {
      await ready;
      const k = key('pcl_test_AAAAAAAA', { expiresAt: 1_800_000_000_000 });
      await store.insertKey(k);
      assert.deepEqual(await store.getKey(k.id), { ...k, revokedAt: undefined, rotatedFrom: undefined });
      await assert.rejects(store.insertKey(key('pcl_test_AAAAAAAA')), DuplicateKeyError);
      await store.insertKey(key('pcl_test_BBBBBBBB', { consumerId: 'carol', createdAt: 1_700_000_000_001 }));
      assert.deepEqual((await store.listKeys('alice')).map((r) => r.id), ['pcl_test_AAAAAAAA']);
      assert.ok((await store.listKeys()).length >= 2);
      assert.equal(await store.getKey('pcl_test_missing0'), undefined);
    });

    test('keys: revoke once', async () => {
      await ready;
      await store.insertKey(key('pcl_test_CCCCCCCC'));
      assert.equal(await store.revokeKey('pcl_test_CCCCCCCC', 42), true);
      assert.equal(await store.revokeKey('pcl_test_CCCCCCCC', 43), false);
      assert.equal((await store.getKey('pcl_test_CCCCCCCC'))?.revokedAt, 42);
      assert.equal(await store.revokeKey('pcl_test_nothere0', 43), false);
    });

    test('keys: rotate sets the grace expiry on the old key and links the new one', async () => {
      await ready;
      await store.insertKey(key('pcl_test_DDDDDDDD'));
      assert.equal(await store.rotateKey('pcl_test_DDDDDDDD', key('pcl_test_EEEEEEEE'), 2_000), true);
      assert.equal((await store.getKey('pcl_test_DDDDDDDD'))?.expiresAt, 2_000);
      assert.equal((await store.getKey('pcl_test_EEEEEEEE'))?.rotatedFrom, 'pcl_test_DDDDDDDD');
      // An earlier expiry is kept; a revoked or missing key cannot be rotated (and nothing is written).
      assert.equal(await store.rotateKey('pcl_test_DDDDDDDD', key('pcl_test_FFFFFFFF'), 9_000), true);
      assert.equal((await store.getKey('pcl_test_DDDDDDDD'))?.expiresAt, 2_000);
      await store.revokeKey('pcl_test_EEEEEEEE', 1);
      assert.equal(await store.rotateKey('pcl_test_EEEEEEEE', key('pcl_test_GGGGGGGG'), 9_000), false);
      assert.equal(await store.getKey('pcl_test_GGGGGGGG'), undefined);
      assert.equal(await store.rotateKey('pcl_test_nothere1', key('pcl_test_HHHHHHHH'), 9_000), false);
      // A clash on the new id rolls the whole rotation back.
      await store.insertKey(key('pcl_test_IIIIIIII'));
      await store.insertKey(key('pcl_test_JJJJJJJJ'));
      await assert.rejects(store.rotateKey('pcl_test_IIIIIIII', key('pcl_test_JJJJJJJJ'), 7_000), DuplicateKeyError);
      assert.equal((await store.getKey('pcl_test_IIIIIIII'))?.expiresAt, undefined);
    });

    test('inventory snapshots: one per node, replaced on save', async () => {
      await ready;
      assert.equal(await store.inventory.load('gw-a'), undefined);
      await store.inventory.save({ node: 'gw-a', savedAt: 1, data: '{"v":1}' });
      await store.inventory.save({ node: 'gw-b/w1', savedAt: 2, data: '{"v":2}' });
      await store.inventory.save({ node: 'gw-a', savedAt: 3, data: '{"v":3}' });
      assert.deepEqual(await store.inventory.load('gw-a'), { node: 'gw-a', savedAt: 3, data: '{"v":3}' });
      assert.deepEqual((await store.inventory.list()).map((s) => `${s.node} ${s.savedAt}`), ['gw-a 3', 'gw-b/w1 2']);
    });
  });
}

suite('sqlite :memory:', async () => ({ store: new SqliteStore(':memory:'), cleanup: async () => {} }));

suite('sqlite file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcl-store-'));
  const store = new SqliteStore(join(dir, 'store.db'));
  return { store, cleanup: async () => (await store.close(), await rm(dir, { recursive: true, force: true })) };
});

suite('postgres', async () => {
  const schema = `pcl_test_${process.pid}_${randomBytes(4).toString('hex')}`;
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
