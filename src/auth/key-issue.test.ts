// Rotation hands over from a working key: an active key is rotated (the old one works for the grace
// period), an expired or revoked one is not (undefined, nothing written): its consumer gets a new key.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SqliteStore } from '../store/sqlite.ts';
import { issueKey, keyState, rotateKey } from './key-issue.ts';

const HOUR = 3_600_000;

describe('rotateKey', () => {
  let store: SqliteStore;
  before(async () => {
    store = new SqliteStore(':memory:');
    await store.migrate();
    await store.upsertConsumer({ id: 'app', roles: [], scopes: [], metadata: {} });
  });
  after(() => store.close());

  test('an active key is replaced; the old one works until the grace period ends', async () => {
    const now = 1_000_000;
    const old = await issueKey(store, 'app', { scopes: ['orders:read'] }, now);
    const made = await rotateKey(store, old.record.id, HOUR, undefined, now + 10);
    assert.ok(made);
    assert.equal(made.record.rotatedFrom, old.record.id);
    assert.deepEqual(made.record.scopes, ['orders:read']);
    assert.equal(made.oldExpiresAt, now + 10 + HOUR);
    assert.equal((await store.getKey(old.record.id))?.expiresAt, now + 10 + HOUR);
  });

  test('a replacement is issued for as long as the key it replaces, unless told otherwise', async () => {
    const now = 5_000_000;
    const limited = await issueKey(store, 'app', { expiresInMs: 90 * 24 * HOUR }, now);
    const same = await rotateKey(store, limited.record.id, HOUR, undefined, now + HOUR);
    assert.equal(same?.record.expiresAt, now + HOUR + 90 * 24 * HOUR, 'a 90-day key gives a 90-day key, not one without an end');
    const chosen = await rotateKey(store, same!.record.id, HOUR, 24 * HOUR, now + 2 * HOUR);
    assert.equal(chosen?.record.expiresAt, now + 2 * HOUR + 24 * HOUR);
    const open = await issueKey(store, 'app', {}, now);
    assert.equal((await rotateKey(store, open.record.id, HOUR, undefined, now + HOUR))?.record.expiresAt, undefined);
  });

  test('an expired key is not rotated, and nothing is written', async () => {
    const now = 2_000_000;
    const old = await issueKey(store, 'app', { scopes: ['orders:write'], expiresInMs: HOUR }, now);
    const keys = (await store.listKeys('app')).length;
    assert.equal(keyState(old.record, now + HOUR), 'expired');
    assert.equal(await rotateKey(store, old.record.id, HOUR, undefined, now + HOUR), undefined, 'at the expiry');
    assert.equal(await rotateKey(store, old.record.id, HOUR, undefined, now + 2 * HOUR), undefined, 'after it');
    assert.equal((await store.listKeys('app')).length, keys);
    assert.equal((await store.getKey(old.record.id))?.expiresAt, now + HOUR, 'the old key is untouched');
    // Just before its expiry it is still active: rotated, the old one ending no later than it would have.
    const made = await rotateKey(store, old.record.id, HOUR, undefined, now + HOUR - 1);
    assert.equal(made?.oldExpiresAt, now + HOUR);
  });

  test('a revoked or unknown key is not rotated', async () => {
    const old = await issueKey(store, 'app', {}, 3_000_000);
    assert.equal(await store.revokeKey(old.record.id, 3_000_001), true);
    assert.equal(await rotateKey(store, old.record.id, HOUR, undefined, 3_000_002), undefined);
    assert.equal(await rotateKey(store, 'pcl_live_nothere1', HOUR, undefined, 3_000_002), undefined);
  });
});
