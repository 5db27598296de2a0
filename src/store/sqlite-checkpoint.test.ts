// The audit writer's SQLite store checkpoints its write-ahead log on a worker thread: the database
// file fills while this connection never checkpoints by itself, and close() stops the worker.
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DatabaseSync } from 'node:sqlite';
import type { AuditRecord } from './audit.ts';
import { SqliteStore } from './sqlite.ts';

const events = (from: number, n: number): AuditRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    chain: 'c', seq: from + i, time: 1_700_000_000_000 + from + i, requestId: `r${from + i}`, clientIp: '10.0.0.1', consumer: null, subject: null, api: 'a',
    operation: 'o', method: 'GET', path: '/x', status: 200, policy: null, verdict: 'allow', reason: null, decisions: null, evidence: null, prevHash: 'p', hash: 'h',
  }));

/** A migrated store on a new file, its size before any event, and 1,000 events written. */
async function withStore(run: (store: SqliteStore, file: string, before: number) => Promise<void>, background: boolean): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pcl-checkpoint-'));
  const file = join(dir, 'audit.db');
  try {
    const store = new SqliteStore(file);
    await store.migrate();
    const before = (await stat(file)).size;
    if (background) store.checkpointInBackground(50);
    // Far below the 1,000 pages after which a connection would checkpoint by itself.
    await store.audit.append(events(1, 1000));
    await run(store, file, before);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('SQLite store: write-ahead log checkpoints on a worker thread', () =>
  withStore(async (store, file, before) => {
    assert.equal(store.checkpointingInBackground, true);
    let size = before;
    for (let i = 0; i < 100 && size === before; i++) {
      await new Promise((r) => setTimeout(r, 50));
      size = (await stat(file)).size;
    }
    assert.ok(size > before, `the database file grew from ${before} bytes: the worker copied the log into it`);
    await store.close();
    assert.equal(store.checkpointingInBackground, false);
    const reopened = new DatabaseSync(file);
    assert.equal((reopened.prepare('SELECT count(*) AS n FROM pcl_audit_events').get() as { n: number }).n, 1000);
    reopened.close();
  }, true));

// The control for the test above: the same writes, no worker, no growth of the database file.
test('SQLite store: without background checkpoints the file stays as it was until the log is long', () =>
  withStore(async (store, file, before) => {
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await stat(file)).size, before);
    await store.close();
  }, false));
