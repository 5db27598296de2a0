// RedisCounters against a real Redis (REDIS_URL): the Lua script decides like the in-process
// algorithms, atomically over several limits, with TTLs on every key and one hash tag. Skipped when
// REDIS_URL is unset; the script-cache test runs on a private redis-server when the binary exists.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo } from 'node:net';
import { after, before, describe, mock, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { calendarWindow } from './calendar.ts';
import { RedisCounters } from './redis.ts';
import { CALENDAR_LUA, DECIDE_LUA } from './redis-script.ts';
import type { Rule, Take } from './types.ts';
import { until } from '../../../test/helpers/until.ts';
import { deleteKeys } from '../../../test/helpers/redis-keys.ts';

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
    await deleteKeys(raw, `{${prefix}}:*`);
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

  // Calendar windows come from Redis's clock: a gateway whose clock is behind Redis's (here: still
  // yesterday, or last month) used to send the window it believed in; after midnight its TTL came out
  // negative (1 ms), so every request found a fresh counter, and gateways with disagreeing clocks
  // overwrote each other's window start.
  test('calendar quotas hold whatever the gateway clock says: one window, Redis\'s UTC day and month', async () => {
    const [seconds, micros] = await raw.time();
    const redisNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const day = 86_400_000;
    const midnight = Math.floor(redisNow / day) * day;
    const skewed = async <T>(gatewayNow: number, fn: () => Promise<T>): Promise<T> => {
      mock.timers.enable({ apis: ['Date'], now: gatewayNow });
      try {
        return await fn();
      } finally {
        mock.timers.reset();
      }
    };
    for (const calendar of ['day', 'month'] as const) {
      const rule: Rule = { id: `skew-${calendar}`, algorithm: 'fixed-window', limit: 3, periodMs: 0, calendar };
      const behind = calendar === 'day' ? midnight - 1000 : Date.UTC(new Date(redisNow).getUTCFullYear(), new Date(redisNow).getUTCMonth(), 1) - 1000;
      const ahead = redisNow + 40 * day;
      // Three gateways (behind, ahead, on time) take from one quota of 3.
      assert.equal(await skewed(behind, () => admitted([take(rule)], 1)), 1, `${calendar}: gateway behind`);
      assert.equal(await skewed(ahead, () => admitted([take(rule)], 1)), 1, `${calendar}: gateway ahead`);
      assert.equal(await admitted([take(rule)], 1), 1, `${calendar}: gateway on time`);
      assert.equal(await skewed(behind, () => admitted([take(rule)], 5)), 0, `${calendar}: used up, also for the gateway behind`);
      assert.equal(await skewed(ahead, () => admitted([take(rule)], 5)), 0, `${calendar}: used up, also for the gateway ahead`);
      const end = calendar === 'day' ? midnight + day : Date.UTC(new Date(redisNow).getUTCFullYear(), new Date(redisNow).getUTCMonth() + 1, 1);
      const refused = await skewed(behind, () => counters.consume([take(rule)]));
      assert.ok(Math.abs(refused.states[0]!.retryAfterMs - (end - redisNow)) < 60_000, `${calendar}: Retry-After runs to the end of Redis's ${calendar} (${refused.states[0]!.retryAfterMs} ms)`);
      const ttl = await raw.pttl(`{${prefix}}:${rule.id}\u001fk`);
      assert.ok(ttl > 0 && Math.abs(ttl - (end - redisNow)) < 60_000, `${calendar}: the counter lives until the end of Redis's ${calendar} (TTL ${ttl} ms)`);
    }
  });

  test('the script\'s UTC days and months are the ones calendar.ts computes (leap years, month ends, 1970 to 2400)', async () => {
    const script = `${CALENDAR_LUA}\nlocal out = {}\nfor i = 2, #ARGV do\n  local s, e = calendar(ARGV[1], tonumber(ARGV[i]))\n  out[#out + 1] = s\n  out[#out + 1] = e\nend\nreturn out`;
    const edges = ['1970-01-01T00:00:00Z', '1999-12-31T23:59:59.999Z', '2000-02-29T12:00:00Z', '2000-03-01T00:00:00Z', '2023-02-28T23:59:59.999Z', '2024-02-29T00:00:00Z', '2024-02-29T23:59:59.999Z', '2024-12-31T23:59:59.999Z', '2025-01-01T00:00:00Z', '2100-02-28T12:00:00Z', '2100-03-01T00:00:00Z', '2400-02-29T00:00:00Z'];
    const times = [...edges.map((t) => Date.parse(t)), ...Array.from({ length: 300 }, () => Math.floor(Math.random() * Date.parse('2400-01-01T00:00:00Z')))];
    for (const kind of ['day', 'month'] as const) {
      const got = (await raw.eval(script, 0, kind === 'day' ? 'd' : 'm', ...times)) as number[];
      times.forEach((t, i) => {
        const w = calendarWindow(kind, t);
        assert.deepEqual([got[2 * i], got[2 * i + 1]], [w.start, w.end], `${kind} of ${new Date(t).toISOString()}`);
      });
    }
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

  test('concurrency: slots are leases released by the request, renewed while held, and expire once their gateway is gone', async () => {
    const rule: Rule = { id: 'c', algorithm: 'concurrency', limit: 2, periodMs: 0, leaseMs: 600 };
    const a = await counters.consume([take(rule)]);
    const b = await counters.consume([take(rule)]);
    assert.equal(a.allowed && b.allowed, true);
    assert.equal((await counters.consume([take(rule)])).allowed, false);
    counters.release([take(rule)], a.lease);
    await sleep(20);
    const c = await counters.consume([take(rule)]);
    assert.equal(c.allowed, true, 'a released slot is free again');
    assert.equal((await counters.consume([take(rule)])).allowed, false);
    await sleep(1300);
    assert.equal((await counters.consume([take(rule)])).allowed, false, 'slots still held are renewed past their lease');
    counters.release([take(rule)], b.lease);
    counters.release([take(rule)], c.lease);

    // A gateway that dies holding slots: they run out with their lease.
    const gone = new RedisCounters({ url: REDIS_URL!, timeoutMs: 1000, prefix });
    await gone.ready();
    const dead: Rule = { id: 'c-dead', algorithm: 'concurrency', limit: 2, periodMs: 0, leaseMs: 300 };
    for (let i = 0; i < 2; i++) assert.equal((await gone.consume([take(dead)])).allowed, true);
    await gone.close();
    assert.equal((await counters.consume([take(dead)])).allowed, false);
    await sleep(350);
    assert.equal(await admitted([take(dead)], 3), 2, 'slots never released expired with their lease');
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
      await assert.rejects(slow.consume([take(rule)]), /no answer within 100 ms/);
      // The connection was dropped: nothing more is sent until the new one is ready.
      await assert.rejects(slow.consume([take(rule)]), /not connected/);
      await sleep(500); // the late answer has come and gone
      delayMs = 0;
      // The removal is sent again once a new connection is ready.
      await slow.ready();
      await until(() => slow.backlog.unreleased === 0 && slow.backlog.pending === 0, 5000);
      assert.equal(await admitted([take(rule)], 3), 2, 'the timed-out decisions still hold their slots');
    } finally {
      await slow.close();
      relay.close();
    }
  });

  test('the script decides nothing past its deadline (Redis\'s clock), and every reply ends with that clock', async () => {
    const key = `{${prefix}}:deadline\u001fk`;
    const args = (deadline: number) => [1, key, '', deadline, 'f', 5, 3_600_000, 1, '-', 0];
    const [seconds, micros] = await raw.time();
    const redisNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const late = (await raw.eval(DECIDE_LUA, ...(args(redisNow - 1) as [number, ...string[]]))) as number[];
    assert.equal(late[0], -1, 'refused: past its deadline');
    assert.ok(Math.abs(late[1]! - redisNow) < 5000, 'with Redis\'s clock');
    assert.equal(await raw.exists(key), 0, 'nothing written');
    const inTime = (await raw.eval(DECIDE_LUA, ...(args(redisNow + 60_000) as [number, ...string[]]))) as number[];
    assert.equal(inTime[0], 1);
    assert.equal(inTime[1], 4, 'remaining');
    assert.ok(Math.abs(inTime[4]! - redisNow) < 5000, 'Redis\'s clock last');
    const none = (await raw.eval(DECIDE_LUA, ...(args(0) as [number, ...string[]]))) as number[];
    assert.equal(none[0], 1, 'deadline 0: none');
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
