import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { Deadlines, type DeadlineEntry } from './deadlines.ts';

function entry(name: string, expired: string[], expire?: () => void): DeadlineEntry {
  return { dueAt: 0, previousDue: undefined, nextDue: undefined, listed: false, expire: expire ?? (() => expired.push(name)) };
}

test('entries expire in order, once, after their time; removed ones never', async () => {
  const expired: string[] = [];
  // Margins of 200 ms or more either side: a stalled event loop on a busy machine does not reorder them.
  const deadlines = new Deadlines(800);
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => entry(n, expired));
  const t0 = performance.now();
  deadlines.add(a!, t0);
  deadlines.add(b!, t0);
  deadlines.add(c!, t0 + 400); // as if added 400 ms later
  deadlines.add(d!, t0 + 400);
  deadlines.remove(b!); // in the middle
  deadlines.remove(d!); // the last one
  deadlines.remove(d!); // twice is harmless
  assert.equal(deadlines.size, 2);
  await sleep(1000); // a is due (at 800), c is not (at 1200)
  assert.deepEqual(expired, ['a']);
  await sleep(500); // the timer re-armed for c
  assert.deepEqual(expired, ['a', 'c']);
  assert.equal(deadlines.size, 0);
  deadlines.remove(a!); // after expiring: harmless
  assert.equal(deadlines.size, 0);
});

test('an entry added after the list emptied gets a timer again', async () => {
  const expired: string[] = [];
  const deadlines = new Deadlines(20);
  const first = entry('first', expired);
  deadlines.add(first, performance.now());
  deadlines.remove(first);
  await sleep(60); // the timer fired on an empty list and stopped
  deadlines.add(entry('second', expired), performance.now());
  await sleep(120);
  assert.deepEqual(expired, ['second']);
});

test('an entry added while others expire does not delay the ones due before it', async () => {
  const expired: string[] = [];
  const deadlines = new Deadlines(1000);
  const t0 = performance.now();
  const late = entry('late', expired);
  // a's expiry (at 1000) adds an entry due at 2000: b, due at 1200, must not wait for it.
  deadlines.add(entry('a', expired, () => { expired.push('a'); deadlines.add(late, performance.now()); }), t0);
  deadlines.add(entry('b', expired), t0 + 200);
  await sleep(1600);
  assert.deepEqual(expired, ['a', 'b']);
  deadlines.remove(late);
});

test('a total timeout longer than a timer can wait (2^31 ms) does not expire early or spin', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on('warning', onWarning);
  try {
    const expired: string[] = [];
    const deadlines = new Deadlines(30 * 24 * 3600 * 1000);
    const e = entry('e', expired);
    deadlines.add(e, performance.now());
    await sleep(50);
    assert.deepEqual(expired, []);
    assert.deepEqual(warnings, []);
    deadlines.remove(e);
  } finally {
    process.off('warning', onWarning);
  }
});
