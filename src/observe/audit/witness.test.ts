import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkWitness, readWitness, type ChainView } from './witness.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1);
const h = (c: string) => c.repeat(64);
const witness = (seq: number, hash: string, time: number) => readWitness(JSON.stringify({ msg: 'audit checkpoint', checkpoint: { chain: 'c', seq, hash, time, signature: null } }));

test('a chain pruned by retention: witnessed checkpoints before its anchor pass only when older than the retention', () => {
  const pruned: ChainView = { hashes: new Set([h('b')]), anchor: { hash: h('a'), time: NOW - 100 * DAY }, lastSeq: 50, retentionMs: 90 * DAY, now: NOW };
  assert.deepEqual(checkWitness(witness(10, h('9'), NOW - 120 * DAY), pruned, undefined), [], 'older than the retention: pruned');
  assert.deepEqual(checkWitness(witness(20, h('a'), NOW - 100 * DAY), pruned, undefined), [], 'the anchor itself');
  assert.deepEqual(checkWitness(witness(40, h('b'), NOW - DAY), pruned, undefined), [], 'on the chain');
  assert.deepEqual(checkWitness(witness(15, h('8'), NOW - 110 * DAY), { ...pruned, retentionMs: 365 * DAY }, undefined).map((p) => p.kind), ['deleted'], 'within the retention: deleted, not pruned');
  const unknown = checkWitness(witness(15, h('8'), NOW - 110 * DAY), { ...pruned, retentionMs: undefined }, undefined);
  assert.deepEqual(unknown.map((p) => p.kind), ['deleted'], 'no retention known: pruning cannot be told from deletion (fail closed)');
  assert.match(unknown[0]!.message, /no retention is known.*--retention/);
  assert.deepEqual(checkWitness(witness(15, h('8'), NOW - 400 * DAY), { ...pruned, retentionMs: 0 }, undefined).map((p) => p.kind), ['deleted'], 'retention 0 (kept forever): nothing was pruned');
  assert.deepEqual(checkWitness(witness(45, h('7'), NOW - DAY), pruned, undefined).map((p) => p.kind), ['checkpoint'], 'after the anchor and not on the chain: rewritten');
  assert.deepEqual(checkWitness(witness(60, h('7'), NOW - DAY), pruned, undefined).map((p) => p.kind), ['deleted'], 'past the end: cut');
});

test('a chain from genesis has no pruned past: a witnessed checkpoint off the chain fails whatever its time', () => {
  const whole: ChainView = { hashes: new Set([h('b')]), anchor: undefined, lastSeq: 50, retentionMs: undefined, now: NOW };
  assert.deepEqual(checkWitness(witness(10, h('9'), NOW - 400 * DAY), whole, undefined).map((p) => p.kind), ['checkpoint']);
});
