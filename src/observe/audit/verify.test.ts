// The verifier on chains held in memory (the database tests are in chain.test.ts): it stays linear
// however many gaps an attacker makes, and says what happened to renumbered events and to a pruned
// beginning whatever the retention.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditCheckpoint, AuditRecord, AuditStore } from '../../store/audit.ts';
import { eventHash, GENESIS, type Unhashed } from './hash.ts';
import { verifyChain, type VerifyProblem } from './verify.ts';
import type { Witnessed } from './witness.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1);

function content(i: number): Unhashed {
  return {
    chain: 'c', time: NOW - DAY + i, requestId: `r${i}`, clientIp: '192.0.2.1', consumer: null, subject: null, api: 'shop', operation: 'op',
    method: 'GET', path: `/x/${i}`, status: 403, policy: 'authorize', verdict: 'deny', reason: 'PCL_ERR_FORBIDDEN', decisions: null, evidence: null,
  };
}

/** A chain of n events (ids = seqs) and a checkpoint every `every` events, taken at the time given. */
function chain(n: number, every: number, cpTime = (seq: number) => NOW - DAY + seq): { rows: AuditRecord[]; checkpoints: AuditCheckpoint[] } {
  const rows: AuditRecord[] = [];
  const checkpoints: AuditCheckpoint[] = [];
  let prev = GENESIS;
  for (let seq = 1; seq <= n; seq++) {
    const hash = eventHash(content(seq), prev);
    rows.push({ ...content(seq), id: seq, seq, prevHash: prev, hash });
    if (seq % every === 0) checkpoints.push({ chain: 'c', seq, hash, time: cpTime(seq), signature: null, keyId: null });
    prev = hash;
  }
  return { rows, checkpoints };
}

/** The two reads verify makes, over arrays. */
function memory(rows: readonly AuditRecord[], checkpoints: readonly AuditCheckpoint[]): AuditStore {
  const sorted = [...rows].sort((a, b) => a.seq - b.seq || a.id! - b.id!);
  return {
    scan: async (_chain, after, limit) => sorted.filter((r) => r.seq > after.seq || (r.seq === after.seq && r.id! > after.id)).slice(0, limit),
    checkpoints: async () => [...checkpoints].sort((a, b) => a.seq - b.seq),
  } as Partial<AuditStore> as AuditStore;
}

const kinds = (problems: readonly VerifyProblem[]) => problems.map((p) => `${p.kind}@${p.seq}`);

test('many gaps: verify stays linear (every other event deleted, 40,000 gaps)', async () => {
  const { rows, checkpoints } = chain(80_000, 1000);
  const kept = rows.filter((r) => r.seq % 2 === 1);
  const started = performance.now();
  const report = await verifyChain(memory(kept, checkpoints), 'c', undefined, { now: NOW });
  const ms = performance.now() - started;
  assert.equal(report.problems.filter((p) => p.kind === 'deleted').length, 40_000);
  assert.ok(report.problems.every((p) => p.kind === 'deleted'), kinds(report.problems).slice(0, 5).join());
  // Linear: about 0.4 s of CPU here; quadratic (a rescan from the first row at every gap) took a minute.
  assert.ok(ms < 10_000, `verify took ${Math.round(ms)} ms`);
});

test('many rows after one hash, each linking back to it: still linear', async () => {
  const { rows, checkpoints } = chain(10, 5);
  const h5 = rows[4]!.hash;
  // Forged rows numbered 5 that follow event 5 and claim its hash: the walk takes them one by one.
  const loop = Array.from({ length: 20_000 }, (_, k): AuditRecord => ({ ...content(100 + k), id: 1000 + k, seq: 5, prevHash: h5, hash: h5 }));
  const started = performance.now();
  const report = await verifyChain(memory([...rows, ...loop], checkpoints), 'c', undefined, { now: NOW });
  const ms = performance.now() - started;
  assert.equal(report.problems.length, 20_000);
  assert.ok(report.problems.every((p) => p.kind === 'modified' && p.seq === 5));
  assert.ok(ms < 10_000, `verify took ${Math.round(ms)} ms`);
});

test('two events swapped at a checkpoint: reordered, and no claim that hashes were recomputed', async () => {
  const { rows, checkpoints } = chain(100, 10);
  const swapped = rows.map((r) => (r.seq === 40 ? { ...r, seq: 41 } : r.seq === 41 ? { ...r, seq: 40 } : r));
  const report = await verifyChain(memory(swapped, checkpoints), 'c', undefined, { now: NOW });
  assert.deepEqual(kinds(report.problems), ['reordered@40']);
  assert.match(report.problems[0]!.message, /event 40 \(id 41\) comes after event 41 \(id 40\)/);
});

test('renumbered events: the checkpoints say so, the chain is not called rewritten, and a cut is still a cut', async () => {
  const { rows, checkpoints } = chain(30, 10);
  const renumbered = rows.filter((r) => r.seq <= 20).map((r) => ({ ...r, seq: r.seq + 100 }));
  const kept = checkpoints.filter((c) => c.seq <= 20);
  const report = await verifyChain(memory(renumbered, kept), 'c', undefined, { now: NOW });
  assert.deepEqual(kinds(report.problems), ['reordered@10', 'reordered@20']);
  assert.match(report.problems[0]!.message, /vouches for the event now numbered 110 \(id 10\): sequence numbers were changed/);
  assert.ok(report.problems.every((p) => !/recomputed/.test(p.message)));
  // The end is counted from the last checkpoint on the chain, not from the stored numbers.
  const witness: Witnessed[] = checkpoints.map((c, i) => ({ ...c, line: i + 1 }));
  const cut = await verifyChain(memory(renumbered, kept), 'c', undefined, { now: NOW, witness });
  assert.deepEqual(kinds(cut.problems), ['reordered@10', 'reordered@20', 'deleted@30']);
});

test('a beginning deleted up to a checkpoint: retention 0 (kept forever) fails it, with or without a witness', async () => {
  const { rows, checkpoints } = chain(100, 10, (seq) => NOW - 10 * DAY + seq * 60_000);
  const store = memory(rows.filter((r) => r.seq > 90), checkpoints.filter((c) => c.seq >= 90));
  const witness: Witnessed[] = checkpoints.map((c, i) => ({ ...c, line: i + 1 }));
  let report = await verifyChain(store, 'c', undefined, { now: NOW, retentionMs: 0 });
  assert.deepEqual(kinds(report.problems), ['deleted@90']);
  assert.match(report.problems[0]!.message, /retention is 0 \(events are kept forever\)/);
  report = await verifyChain(store, 'c', undefined, { now: NOW, retentionMs: 0, witness });
  assert.deepEqual(kinds(report.problems), ['deleted@10', 'deleted@20', 'deleted@30', 'deleted@40', 'deleted@50', 'deleted@60', 'deleted@70', 'deleted@80', 'deleted@90']);
  // A retention the checkpoints are older than: pruned, passes.
  assert.deepEqual((await verifyChain(store, 'c', undefined, { now: NOW, retentionMs: DAY, witness })).problems, []);
  // No retention known: alone it passes (the CLI warns), but witnessed checkpoints before the start fail closed.
  assert.deepEqual((await verifyChain(store, 'c', undefined, { now: NOW })).problems, []);
  report = await verifyChain(store, 'c', undefined, { now: NOW, witness });
  assert.equal(report.problems.length, 8);
  assert.ok(report.problems.every((p) => p.kind === 'deleted' && /no retention is known.*--retention/.test(p.message)), report.problems[0]?.message);
});
