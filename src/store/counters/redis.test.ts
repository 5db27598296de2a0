// RedisCounters against a real Redis (REDIS_URL): the Lua script decides like the in-process
// algorithms, atomically over several limits, with TTLs on every key and one hash tag. Skipped when
// REDIS_URL is unset; the script-cache test runs on a private redis-server when the binary exists.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RedisCounters } from './redis.ts';
import type { Rule, Take } from './types.ts';

const REDIS_URL = process.env.REDIS_URL;

describe('RedisCounters', { skip: REDIS_URL === undefined ? 'REDIS_URL is not set' : false }, () => {
  const prefix = `t${randomBytes(6).toString('hex')}`;
  let counters: RedisCounters;
  let raw: Redis;
  const take = (rule: Rule, key = 'k', cost = 1): Take => ({ rule, key, cost });
  const admitted = async (takes: Take[], n: number) => {
    let ok = 0;
    for (let i = 0; i < n; i++) if ((await counters.consume(takes)).allowed) ok++;
    return ok;
  };

  before(async () => {
    counters = new RedisCounters({ url: REDIS_URL!, timeoutMs: 1000, prefix });
    await counters.ready();
    raw = new Redis(REDIS_URL!);
  });
  after(async () => {
    const keys = await raw.keys(`{${prefix}}:*`);
    if (keys.length) await raw.del(...keys);
    raw.disconnect();
    await counters.close();
  });

  test('gcra: the burst, then one unit per interval; Retry-After says when', async () => {
    const rule: Rule = { id: 'g', algorithm: 'gcra', limit: 3, periodMs: 200 };
    assert.equal(await admitted([take(rule)], 5), 3);
    const refused = await counters.consume([take(rule)]);
    assert.equal(refused.allowed, false);
    assert.ok(refused.states[0]!.retryAfterMs > 0 && refused.states[0]!.retryAfterMs <= 200);
    await sleep(refused.states[0]!.retryAfterMs + 20);
    assert.equal(await admitted([take(rule)], 2), 1);
  });

  test('fixed-window and calendar quota: exact counts, remaining and reset', async () => {
    const rule: Rule = { id: 'f', algorithm: 'fixed-window', limit: 4, periodMs: 3_600_000 };
    const first = await counters.consume([take(rule, 'k', 3)]);
    assert.equal(first.states[0]!.remaining, 1);
    assert.ok(first.states[0]!.resetMs > 0 && first.states[0]!.resetMs <= 3_600_000);
    assert.equal((await counters.consume([take(rule, 'k', 2)])).allowed, false, 'cost 2 does not fit in 1');
    assert.equal(await admitted([take(rule)], 3), 1);
    const quota: Rule = { id: 'q', algorithm: 'fixed-window', limit: 2, periodMs: 0, calendar: 'month' };
    assert.equal(await admitted([take(quota)], 3), 2);
  });

  test('sliding-window: the limit within a window', async () => {
    const rule: Rule = { id: 's', algorithm: 'sliding-window', limit: 5, periodMs: 60_000 };
    assert.equal(await admitted([take(rule)], 8), 5);
  });

  test('one decision over several limits: when one refuses, nothing is consumed', async () => {
    const wide: Rule = { id: 'wide', algorithm: 'fixed-window', limit: 100, periodMs: 3_600_000 };
    const narrow: Rule = { id: 'narrow', algorithm: 'fixed-window', limit: 2, periodMs: 3_600_000 };
    assert.equal(await admitted([take(wide, 'a'), take(narrow, 'a')], 10), 2);
    assert.equal((await counters.consume([take(wide, 'a')])).states[0]!.remaining, 97);
  });

  test('concurrency: slots are leases released by the request, and expire on their own', async () => {
    const rule: Rule = { id: 'c', algorithm: 'concurrency', limit: 2, periodMs: 0, leaseMs: 300 };
    const a = await counters.consume([take(rule)]);
    const b = await counters.consume([take(rule)]);
    assert.equal(a.allowed && b.allowed, true);
    assert.equal((await counters.consume([take(rule)])).allowed, false);
    counters.release([take(rule)], a.lease);
    await sleep(20);
    const c = await counters.consume([take(rule)]);
    assert.equal(c.allowed, true, 'a released slot is free again');
    assert.equal((await counters.consume([take(rule)])).allowed, false);
    await sleep(350);
    assert.equal(await admitted([take(rule)], 3), 2, 'slots never released expired with their lease');
  });

  test('concurrency: a decision that times out does not keep its slot once Redis answers late', async () => {
    // A relay that holds Redis's answers back while `delayMs` is set.
    let delayMs = 0;
    const relay = createServer((client) => {
      const upstream = connect(Number(new URL(REDIS_URL!).port || 6379), new URL(REDIS_URL!).hostname);
      client.on('data', (d) => upstream.write(d));
      upstream.on('data', (d) => (delayMs ? setTimeout(() => client.write(d), delayMs) : client.write(d)));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('error', () => {});
      upstream.on('error', () => {});
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const slow = new RedisCounters({ url: `redis://127.0.0.1:${(relay.address() as AddressInfo).port}`, timeoutMs: 100, prefix });
    try {
      await slow.ready();
      const rule: Rule = { id: 'late', algorithm: 'concurrency', limit: 2, periodMs: 0, leaseMs: 60_000 };
      delayMs = 300;
      for (let i = 0; i < 2; i++) await assert.rejects(slow.consume([take(rule)]), /no answer within 100 ms/);
      await sleep(500); // the late answers (and the removals sent behind them) have come and gone
      delayMs = 0;
      assert.equal(await admitted([take(rule)], 3), 2, 'the timed-out decisions still hold their slots');
    } finally {
      await slow.close();
      relay.close();
    }
  });

  test('every key has a TTL and the gateway hash tag', async () => {
    const keys = await raw.keys(`{${prefix}}:*`);
    assert.ok(keys.length >= 5, `keys: ${keys.length}`);
    for (const key of keys) {
      const ttl = await raw.pttl(key);
      assert.ok(ttl > 0, `${key} has no TTL (${ttl})`);
    }
  });
});

describe('RedisCounters on a private Redis server', () => {
  const binary = spawnSync('redis-server', ['--version']).status === 0;
  test('a flushed script cache is refilled (EVALSHA falls back to EVAL)', { skip: binary ? false : 'no redis-server binary' }, async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const url = `redis://127.0.0.1:${port}`;
    const raw = new Redis(url, { retryStrategy: (n) => (n > 50 ? null : 50) });
    raw.on('error', () => {}); // refused until the server is up
    const counters = new RedisCounters({ url, timeoutMs: 1000, prefix: 'p' });
    try {
      await counters.ready();
      const rule: Rule = { id: 'f', algorithm: 'fixed-window', limit: 3, periodMs: 3_600_000 };
      const takes = [{ rule, key: 'k', cost: 1 }];
      assert.equal((await counters.consume(takes)).allowed, true);
      await raw.script('FLUSH');
      assert.equal((await counters.consume(takes)).states[0]!.remaining, 1, 'the script ran again, on the same counter');
    } finally {
      raw.disconnect();
      await counters.close();
      server.kill('SIGKILL');
    }
  });
});
