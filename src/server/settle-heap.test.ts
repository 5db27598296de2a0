import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { settleHeap } from './settle-heap.ts';

test('settleHeap collects garbage at once and leaves no gc() behind for other code', async () => {
  let garbage: object | undefined = { payload: new Array(10_000).fill('x') };
  const ref = new WeakRef(garbage);
  garbage = undefined;
  await tick(); // a WeakRef keeps its target alive until the end of the job that created it
  settleHeap();
  assert.equal(ref.deref(), undefined);
  assert.equal((globalThis as { gc?: unknown }).gc, undefined);
  settleHeap(); // the collector is reused
});
