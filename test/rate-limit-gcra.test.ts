// GCRA with rates whose period is no whole number of milliseconds (1000 / 7): the whole burst at once,
// then exactly `rate` more after `per`, the same in process and in the Redis script (REDIS_URL).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { compileLimits } from '../src/policies/rate-limit/compile.ts';
import { MemoryCounters } from '../src/store/counters/memory.ts';
import { RedisCounters } from '../src/store/counters/redis.ts';
import type { Rule } from '../src/store/counters/types.ts';
import { deleteKeys } from './helpers/redis-keys.ts';

const REDIS_URL = process.env.REDIS_URL;
const SETTINGS = [
  ...[6, 7, 11, 13].map((rate) => ({ rate, per: '1s', perMs: 1000 })),
  ...[9, 14, 17, 19].map((rate) => ({ rate, per: '1m', perMs: 60_000 })),
];

/** The rules as the policy compiles them: the shared one, and a gateway's share of it (3 instances). */
function rulesOf(rate: number, per: string): { rule: Rule; local: Rule } {
  const [limit] = compileLimits([{ name: `r${rate}-${per}`, algorithm: 'gcra', rate, per, cost: 1, key: ['ip'] }], {
    policy: 'rate-limit',
    scope: { api: 'shop', operationId: undefined },
    onStoreError: 'local',
    instances: 3,
    preAuth: false,
  });
  return { rule: limit!.base.rule, local: limit!.base.local };
}

describe('gcra in process', () => {
  for (const { rate, per, perMs } of SETTINGS) {
    test(`${rate} per ${per}: the burst at once, then ${rate} more after ${per}, not one before`, () => {
      const { rule } = rulesOf(rate, per);
      let now = 1_700_000_000_123;
      const counters = new MemoryCounters({ now: () => now, sweepEveryMs: 0 });
      const take = [{ rule, key: 'k', cost: 1 }];
      const remaining: number[] = [];
      for (let i = 0; i < rate + 3; i++) {
        const d = counters.consume(take);
        if (d.allowed) remaining.push(d.states[0]!.remaining);
      }
      assert.deepEqual(remaining, Array.from({ length: rate }, (_, i) => rate - 1 - i));
      now += perMs - 1;
      let ok = 0;
      for (let i = 0; i < rate + 3; i++) if (counters.consume(take).allowed) ok++;
      assert.equal(ok, rate - 1, 'one ms short of `per`: one unit is still missing');
      now += 1;
      assert.equal(counters.consume(take).allowed, true, 'the last unit is earned exactly at `per`');
      assert.equal(counters.consume(take).allowed, false);
    });
  }

  test('a share of a limit (onStoreError: local, 3 instances) admits its whole share at once', () => {
    for (const { rate, per } of SETTINGS) {
      const { local } = rulesOf(rate * 3, per);
      const counters = new MemoryCounters({ now: () => 1_700_000_000_123, sweepEveryMs: 0 });
      let ok = 0;
      for (let i = 0; i < rate + 3; i++) if (counters.consume([{ rule: local, key: 'k', cost: 1 }]).allowed) ok++;
      assert.equal(ok, rate, `${rate * 3} per ${per} / 3`);
    }
  });

  test('sustained: a request every 1000/7 ms, rounded up, is always admitted after the burst', () => {
    const { rule } = rulesOf(7, '1s');
    let now = 1_700_000_000_000;
    const counters = new MemoryCounters({ now: () => now, sweepEveryMs: 0 });
    for (let i = 0; i < 7; i++) assert.equal(counters.consume([{ rule, key: 'k', cost: 1 }]).allowed, true);
    // Exactly 7 units per 1000 ms: at t = 1000·k/7 (ms, rounded up) the k-th unit has been earned.
    for (let k = 1; k <= 7 * 3600; k++) {
      now = 1_700_000_000_000 + Math.ceil((1000 * k) / 7);
      assert.equal(counters.consume([{ rule, key: 'k', cost: 1 }]).allowed, true, `unit ${k}`);
      assert.equal(counters.consume([{ rule, key: 'k', cost: 1 }]).allowed, false, `no unit ${k} twice`);
    }
  });
});

describe('gcra in Redis', { skip: REDIS_URL === undefined ? 'REDIS_URL is not set' : false }, () => {
  const prefix = `tg${randomBytes(6).toString('hex')}`;
  let counters: RedisCounters;
  let raw: Redis;

  before(async () => {
    counters = new RedisCounters({ url: REDIS_URL!, timeoutMs: 2000, prefix });
    await counters.ready();
    raw = new Redis(REDIS_URL!);
  });
  after(async () => {
    await deleteKeys(raw, `*${prefix}*`);
    raw.disconnect();
    await counters.close();
  });

  for (const { rate, per } of SETTINGS) {
    test(`${rate} per ${per}: the burst at once, the same remaining as in process`, async () => {
      const { rule } = rulesOf(rate, per);
      const remaining: number[] = [];
      for (let i = 0; i < rate + 3; i++) {
        const d = await counters.consume([{ rule, key: 'k', cost: 1 }]);
        if (d.allowed) remaining.push(d.states[0]!.remaining);
      }
      assert.deepEqual(remaining, Array.from({ length: rate }, (_, i) => rate - 1 - i));
    });
  }

  test('a state written by an earlier version (the TAT alone in a) is honoured', async () => {
    const rule: Rule = { id: 'legacy', algorithm: 'gcra', limit: 5, periodMs: 60_000 };
    await counters.consume([{ rule, key: 'k', cost: 1 }]);
    const [key] = await raw.keys(`*${prefix}*legacy*`);
    const [seconds] = await raw.time();
    // A little less than two units ahead of now (the trip takes some ms): 3 fit.
    await raw.hset(key!, 'a', Number(seconds) * 1000 + 2 * 60_000 - 5_000, 'b', 0, 'c', 0);
    let ok = 0;
    for (let i = 0; i < 6; i++) if ((await counters.consume([{ rule, key: 'k', cost: 1 }])).allowed) ok++;
    assert.equal(ok, 3);
  });
});
