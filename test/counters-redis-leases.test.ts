// Concurrency slots in Redis when the link to Redis breaks: a release attempted while Redis was
// unreachable used to be lost, so the slot stayed taken for its whole lease (then 5 minutes) with no
// request in flight, and clients were locked out. Now the release is kept and sent again once the
// connection is back. Runs against REDIS_URL through a TCP relay that the test cuts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { compileLimits } from '../src/policies/rate-limit/compile.ts';
import { RedisCounters } from '../src/store/counters/redis.ts';
import type { Rule, Take } from '../src/store/counters/types.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';
import { until } from './helpers/until.ts';
import { deleteKeys } from './helpers/redis-keys.ts';

const REDIS_URL = process.env.REDIS_URL;

describe('Redis concurrency slots across a broken link', { skip: REDIS_URL === undefined ? 'REDIS_URL is not set' : false }, () => {
  const prefix = `t${randomBytes(6).toString('hex')}`;
  let proxy: TcpProxy;
  let raw: Redis;
  let counters: RedisCounters;

  before(async () => {
    const target = new URL(REDIS_URL!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
    target.host = `127.0.0.1:${proxy.port}`;
    counters = new RedisCounters({ url: target.toString(), timeoutMs: 200, prefix });
    await counters.ready();
    raw = new Redis(REDIS_URL!);
  });
  after(async () => {
    await deleteKeys(raw, `{${prefix}}:*`);
    raw.disconnect();
    await counters.close();
    await proxy.close();
  });

  test('releases attempted while Redis is unreachable are sent again once it is back', async () => {
    const rule: Rule = { id: 'slots', algorithm: 'concurrency', limit: 2, periodMs: 0, leaseMs: 60_000 };
    const takes: Take[] = [{ rule, key: 'client', cost: 1 }];
    const a = await counters.consume(takes);
    const b = await counters.consume(takes);
    assert.equal(a.allowed && b.allowed, true);
    await proxy.cut();
    counters.release(takes, a.lease);
    counters.release(takes, b.lease);
    await sleep(100);
    await proxy.restore();
    await counters.ready();
    const key = `{${prefix}}:slots\u001fclient`;
    await until(async () => (await raw.zcard(key)) === 0, 5000);
    assert.equal((await counters.consume(takes)).allowed, true, 'the slots are free again');
    assert.equal(counters.backlog.unreleased, 0);
  });

  test('a rate-limit concurrency slot is leased for 30 s (renewed while its request runs)', () => {
    const [limit] = compileLimits([{ name: 'in-flight', algorithm: 'concurrency', limit: 2, per: '1s', cost: 1, key: ['ip'] }], { policy: 'rate-limit', scope: { api: undefined, operationId: undefined }, onStoreError: 'local', instances: 1, preAuth: false });
    assert.equal(limit!.base.rule.leaseMs, 30_000);
  });
});
