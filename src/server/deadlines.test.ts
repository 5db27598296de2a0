import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { Deadlines, type DeadlineEntry } from './deadlines.ts';

function entry(name: string, expired: string[]): DeadlineEntry {
  return { dueAt: 0, previousDue: undefined, nextDue: undefined, listed: false, expire: () => expired.push(name) };
}

test('entries expire in order, once, after their time; removed ones never', async () => {
  const expired: string[] = [];
  const deadlines = new Deadlines(60);
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => entry(n, expired));
  deadlines.add(a!, performance.now());
  deadlines.add(b!, performance.now());
  await sleep(30);
  deadlines.add(c!, performance.now());
  deadlines.add(d!, performance.now());
  deadlines.remove(b!); // in the middle
  deadlines.remove(d!); // the last one
  deadlines.remove(d!); // twice is harmless
  assert.equal(deadlines.size, 2);
  await sleep(45); // a is due (75 > 60), c is not (45 < 60)
  assert.deepEqual(expired, ['a']);
  await sleep(40); // the timer re-armed for c
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
  await sleep(40); // the timer fired on an empty list and stopped
  const second = entry('second', expired);
  deadlines.add(second, performance.now());
  await sleep(50);
  assert.deepEqual(expired, ['second']);
});
