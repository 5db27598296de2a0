// The worker's counters against the real primary side (serveCounters, MemoryCounters) over a fake
// IPC channel whose delay the test sets: a batch the primary answers after the worker's timeout
// must not keep the concurrency slots it was granted, and must not free slots it was refused.
import assert from 'node:assert/strict';
import type { Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { IpcCounters } from './ipc-client.ts';
import { serveCounters } from './ipc-server.ts';
import { CounterStoreError, type Rule, type Take } from './types.ts';

/** A worker process and its primary-side Worker, joined by a channel that delays both ways by `delayMs`. */
function channel() {
  const link = { delayMs: 0 };
  const proc = new EventEmitter() as EventEmitter & { send(m: unknown): boolean };
  const worker = new EventEmitter() as EventEmitter & { send(m: unknown): boolean; isConnected(): boolean };
  const deliver = (to: EventEmitter, m: unknown) => {
    const copy = structuredClone(m);
    setTimeout(() => to.emit('message', copy), link.delayMs);
    return true;
  };
  proc.send = (m) => deliver(worker, m);
  worker.send = (m) => deliver(proc, m);
  worker.isConnected = () => true;
  serveCounters(worker as unknown as Worker);
  return { link, proc: proc as unknown as NodeJS.Process };
}

const slot = (id: string, limit: number): Take => ({ rule: { id, algorithm: 'concurrency', limit, periodMs: 0 } satisfies Rule, key: 'alice', cost: 1 });

async function admitted(counters: IpcCounters, takes: Take[], n: number): Promise<number> {
  let ok = 0;
  for (let i = 0; i < n; i++) if ((await counters.consume(takes)).allowed) ok++;
  return ok;
}

test('a decision that timed out gives back the slots the primary granted it once the late answer comes', async () => {
  const { link, proc } = channel();
  const counters = new IpcCounters(50, proc);
  try {
    const takes = [slot('late-granted', 2)];
    link.delayMs = 150; // each way: the answer comes ~250 ms after the timeout
    await Promise.all([1, 2].map(() => assert.rejects(counters.consume(takes), CounterStoreError)));
    await sleep(600); // the late answers, and the releases sent behind them, have come and gone
    link.delayMs = 0;
    assert.equal(await admitted(counters, takes, 3), 2, 'the timed-out decisions still hold their slots');
  } finally {
    await counters.close();
  }
});

test('a late answer that refused frees nothing: a slot held by a request in flight stays held', async () => {
  const { link, proc } = channel();
  const counters = new IpcCounters(50, proc);
  try {
    const takes = [slot('late-refused', 1)];
    assert.equal((await counters.consume(takes)).allowed, true, 'a request in flight holds the only slot');
    link.delayMs = 150;
    await assert.rejects(counters.consume(takes), CounterStoreError);
    await sleep(600);
    link.delayMs = 0;
    assert.equal(await admitted(counters, takes, 1), 0, 'the slot of the request in flight was freed by a refused decision');
    counters.release(takes);
    assert.equal(await admitted(counters, takes, 2), 1, 'released when that request ends');
  } finally {
    await counters.close();
  }
});

// The primary used one table of 1,000,000 keys for everything, whatever store.maxKeys said.
test('the primary bounds each limit\'s table by the maxKeys its worker sends', async () => {
  const { proc } = channel();
  const counters = new IpcCounters(1000, proc);
  try {
    const replay: Rule = { id: 'ipc-replay', algorithm: 'gcra', limit: 1, periodMs: 60_000 };
    const rate: Rule = { id: 'ipc-rate', algorithm: 'fixed-window', limit: 1, periodMs: 60_000, evict: true };
    const other: Rule = { id: 'ipc-other', algorithm: 'fixed-window', limit: 1, periodMs: 60_000 };
    const decide = (rule: Rule, key: string) => counters.consume([{ rule, key, cost: 1 }], 100);
    const replays = await Promise.all(Array.from({ length: 150 }, (_, i) => decide(replay, `n${i}`)));
    assert.equal(replays.filter((d) => d.allowed).length, 100, 'a table that must not forget refuses past its bound');
    const rates = await Promise.all(Array.from({ length: 150 }, (_, i) => decide(rate, `k${i}`)));
    assert.equal(rates.filter((d) => d.allowed).length, 150, 'a rate limit evicts its least recently used keys instead');
    assert.equal((await decide(other, 'victim')).allowed, true, 'another limit\'s table is not crowded out');
  } finally {
    await counters.close();
  }
});
