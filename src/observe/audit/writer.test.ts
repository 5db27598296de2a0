// The writer against a store that fails on purpose: a store that is unavailable gets the same events
// again later (no placeholder, nothing lost); one that refuses every row, placeholders included, is
// the store's fault too and nothing is replaced.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { AuditCheckpoint, AuditRecord, AuditStore } from '../../store/audit.ts';
import type { Unhashed } from './hash.ts';
import { AuditWriter } from './writer.ts';

const logger = pino({ level: 'silent' });

function event(i: number): Unhashed {
  return {
    chain: 'w', time: 1_700_000_000_000 + i, requestId: `r${i}`, clientIp: '192.0.2.1', consumer: null, subject: null, api: null, operation: null,
    method: 'GET', path: `/${i}`, status: 403, policy: 'route', verdict: 'deny', reason: 'PCL_ERR_ROUTE_NOT_FOUND', decisions: null, evidence: null,
  };
}

/** A store keeping appended rows in memory; `fail(records)` returns an error to throw instead. */
function store(fail: (records: readonly AuditRecord[]) => unknown): AuditStore & { rows: AuditRecord[]; calls: number } {
  const rows: AuditRecord[] = [];
  const s = {
    rows,
    calls: 0,
    claim: async () => ({ release: async () => {} }),
    head: async () => (rows.length ? { seq: rows.at(-1)!.seq, hash: rows.at(-1)!.hash } : undefined),
    checkpoints: async () => [] as AuditCheckpoint[],
    append: async (records: readonly AuditRecord[]) => {
      s.calls++;
      const error = fail(records);
      if (error !== undefined) throw error;
      rows.push(...records.map((r) => ({ ...r })));
    },
  };
  return s as unknown as AuditStore & { rows: AuditRecord[]; calls: number };
}

const options = (s: AuditStore) => ({ store: s, chain: 'w', logger, bufferSize: 100, batchSize: 10, flushMs: 60_000, checkpointEvery: 1000, checkpointMs: 3_600_000, retentionMs: 0 });

test('an unavailable store: the same events are written once it is back, nothing is replaced', async () => {
  let down = 2;
  const s = store(() => (down-- > 0 ? Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }) : undefined));
  const writer = await AuditWriter.open(options(s));
  for (let i = 1; i <= 5; i++) writer.push(event(i), true);
  await writer.flush();
  assert.equal(writer.buffered, 5);
  assert.equal(s.calls, 1, 'no event-by-event attempt while the store is unreachable');
  await writer.flush();
  await writer.flush();
  assert.equal(writer.buffered, 0);
  assert.deepEqual(s.rows.map((r) => [r.seq, r.requestId]), [[1, 'r1'], [2, 'r2'], [3, 'r3'], [4, 'r4'], [5, 'r5']]);
  assert.equal(writer.unstorable, 0);
  assert.equal(writer.storeErrors, 2);
  await writer.close();
});

test('a store refusing every row, placeholders too (a table gone): nothing is replaced, the events wait', async () => {
  let broken = true;
  const s = store(() => (broken ? Object.assign(new Error('relation "pcl_audit_events" does not exist'), { code: '42P01' }) : undefined));
  const writer = await AuditWriter.open(options(s));
  for (let i = 1; i <= 5; i++) writer.push(event(i), true);
  await writer.flush();
  assert.equal(writer.buffered, 5);
  assert.equal(writer.unstorable, 0);
  assert.equal(s.calls, 3, 'the batch, its first event alone, and that event\'s placeholder');
  broken = false;
  await writer.flush();
  assert.deepEqual(s.rows.map((r) => r.requestId), ['r1', 'r2', 'r3', 'r4', 'r5']);
  await writer.close();
});

test('one event refused in a batch: the others are written in order around its placeholder', async () => {
  const s = store((records) => (records.some((r) => r.path === '/3') ? Object.assign(new Error('value too long'), { code: '22001' }) : undefined));
  const writer = await AuditWriter.open(options(s));
  for (let i = 1; i <= 5; i++) writer.push(event(i), true);
  await writer.flush();
  assert.equal(writer.buffered, 0);
  assert.equal(writer.unstorable, 1);
  assert.deepEqual(s.rows.map((r) => [r.seq, r.reason]), [[1, 'PCL_ERR_ROUTE_NOT_FOUND'], [2, 'PCL_ERR_ROUTE_NOT_FOUND'], [3, 'PCL_AUDIT_EVENT_UNSTORABLE'], [4, 'PCL_ERR_ROUTE_NOT_FOUND'], [5, 'PCL_ERR_ROUTE_NOT_FOUND']]);
  assert.equal(s.rows[3]!.prevHash, s.rows[2]!.hash, 'the chain links through the placeholder');
  assert.equal(JSON.parse(s.rows[2]!.evidence!).code, '22001');
  await writer.close();
});
