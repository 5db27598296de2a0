// Redis counters against a Redis that hangs (a private redis-server, stopped with SIGSTOP) or is busy
// (DEBUG SLEEP). ioredis used to keep every timed-out decision queued (memory grew with each request)
// and sent the lot when Redis resumed: requests already refused, or counted by the local fallback,
// were charged to the quota a second time. Now each decision carries its deadline in Redis's time,
// a timed-out one drops the connection (failing ioredis's queue), and the backlog is capped.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RedisCounters } from '../src/store/counters/redis.ts';
import type { Rule, Take } from '../src/store/counters/types.ts';
import { freePort } from './helpers/process.ts';
import { until } from './helpers/until.ts';

const binary = spawnSync('redis-server', ['--version']).status === 0;
const quota: Rule = { id: 'quota', algorithm: 'fixed-window', limit: 1_000_000, periodMs: 3_600_000 };

describe('Redis counters when Redis hangs', { skip: binary ? false : 'no redis-server binary' }, () => {
  let server: ChildProcess;
  let url: string;
  let raw: Redis;
  let stopped = false;
  const stop = () => ((stopped = true), process.kill(server.pid!, 'SIGSTOP'));
  const resume = () => ((stopped = false), process.kill(server.pid!, 'SIGCONT'));
  /** Units of the quota used in Redis, under `prefix`. */
  const used = async (prefix: string, rule = quota, key = 'k') => Number((await raw.hget(`{${prefix}}:${rule.id}\u001f${key}`, 'b')) ?? 0);

  before(async () => {
    const port = await freePort();
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes'], { stdio: 'ignore' });
    url = `redis://127.0.0.1:${port}`;
    raw = new Redis(url, { retryStrategy: (n) => (n > 100 ? null : 50) });
    raw.on('error', () => {}); // refused until the server is up
    await raw.ping();
  });
  after(async () => {
    if (stopped) resume();
    raw.disconnect();
    server.kill('SIGKILL');
  });

  test('decisions that timed out while Redis hung are never charged when it resumes, and none waits in a queue', async () => {
    const counters = new RedisCounters({ url, timeoutMs: 100, prefix: 'hung' });
    const takes: Take[] = [{ rule: quota, key: 'k', cost: 1 }];
    try {
      await counters.ready();
      assert.equal((await counters.consume(takes)).allowed, true);
      stop();
      // 20 turns of 50 concurrent decisions: the first time out (and drop the connection), the
      // others fail at once while no connection is ready.
      let failed = 0;
      let slowest = 0;
      for (let turn = 0; turn < 20; turn++) {
        const started = performance.now();
        const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => counters.consume(takes)));
        failed += outcomes.filter((o) => o.status === 'rejected').length;
        slowest = Math.max(slowest, performance.now() - started);
      }
      assert.equal(failed, 1000);
      assert.ok(slowest < 1000, `slowest turn ${Math.round(slowest)} ms`);
      // The dropped connection fails what ioredis queued as its socket closes (an event later): still
      // hung, Redis answers nothing, so a command that stayed queued would keep this above 0.
      await until(() => counters.backlog!.pending === 0, 2000).catch(() => {});
      const pending = counters.backlog!.pending;
      resume();
      await counters.ready();
      assert.equal((await counters.consume(takes)).allowed, true);
      await sleep(200);
      assert.equal(await used('hung'), 2, 'only the two answered decisions were charged');
      assert.equal(pending, 0, 'no command of ours waited in ioredis while Redis hung');
    } finally {
      if (stopped) resume();
      await counters.close();
    }
  });

  test('a busy Redis runs the decisions already sent after their deadline: the script refuses them', async () => {
    // DEBUG SLEEP blocks Redis with the decisions in its socket buffer: dropping the connection
    // cannot take them back, only their deadline can.
    const counters = new RedisCounters({ url, timeoutMs: 100, prefix: 'busy' });
    const takes: Take[] = [{ rule: quota, key: 'k', cost: 1 }];
    const blocker = new Redis(url);
    try {
      await counters.ready();
      assert.equal((await counters.consume(takes)).allowed, true, 'a first answer teaches the clock offset');
      const sleeping = blocker.call('DEBUG', 'SLEEP', '0.6');
      await sleep(20);
      const outcomes = await Promise.allSettled(Array.from({ length: 30 }, () => counters.consume(takes)));
      assert.equal(outcomes.filter((o) => o.status === 'rejected').length, 30);
      await sleeping;
      await counters.ready();
      await sleep(100);
      assert.equal(await used('busy'), 1, 'decisions run after their deadline charged nothing');
    } finally {
      blocker.disconnect();
      await counters.close();
    }
  });

  test('beyond maxPending, decisions fail at once without being sent', async () => {
    const counters = new RedisCounters({ url, timeoutMs: 300, prefix: 'capped', maxPending: 10 });
    const takes: Take[] = [{ rule: quota, key: 'k', cost: 1 }];
    try {
      await counters.ready();
      await counters.consume(takes);
      stop();
      const started = performance.now();
      const fast: number[] = [];
      const all = Array.from({ length: 30 }, () =>
        counters.consume(takes).catch((error: Error) => {
          if (/wait for an answer/.test(error.message)) fast.push(performance.now() - started);
          throw error;
        }),
      );
      await Promise.allSettled(all);
      assert.equal(fast.length, 20, '20 over the cap of 10');
      assert.ok(Math.max(...fast) < 100, `refused at once (${Math.round(Math.max(...fast))} ms), not after the timeout`);
      resume();
      await counters.ready();
      await sleep(200);
      assert.equal(await used('capped'), 1);
    } finally {
      if (stopped) resume();
      await counters.close();
    }
  });
});
