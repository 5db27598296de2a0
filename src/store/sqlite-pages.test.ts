// A SQLite store made by this version uses 16 KiB pages (fewer writes per audit batch); one made with
// SQLite's 4 KiB default keeps its pages and goes on taking events.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import type { AuditRecord } from './audit.ts';
import { SqliteStore } from './sqlite.ts';

const event = (seq: number): AuditRecord => ({
  chain: 'c', seq, time: 1_700_000_000_000 + seq, requestId: `r${seq}`, clientIp: '10.0.0.1', consumer: null, subject: null, api: 'a',
  operation: 'o', method: 'GET', path: '/x', status: 200, policy: null, verdict: 'allow', reason: null, decisions: null, evidence: null, prevHash: 'p', hash: 'h',
});

async function pageSizeAfterUse(prepare: (file: string) => void): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'pcl-pages-'));
  const file = join(dir, 'audit.db');
  try {
    prepare(file);
    const store = new SqliteStore(file);
    await store.migrate();
    await store.audit.append(Array.from({ length: 120 }, (_, i) => event(i + 1)));
    assert.equal((await store.audit.scan('c', { seq: 0, id: 0 }, 500)).length, 120);
    await store.close();
    const db = new DatabaseSync(file);
    const size = Number(db.prepare('PRAGMA page_size').get()?.page_size);
    db.close();
    return size;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('SQLite store: a new file gets 16 KiB pages', async () => {
  assert.equal(await pageSizeAfterUse(() => {}), 16384);
});

test('SQLite store: a file made with 4 KiB pages keeps them and takes events', async () => {
  const size = await pageSizeAfterUse((file) => {
    const db = new DatabaseSync(file);
    db.exec('PRAGMA journal_mode = WAL; CREATE TABLE earlier (x)');
    db.close();
  });
  assert.equal(size, 4096);
});
