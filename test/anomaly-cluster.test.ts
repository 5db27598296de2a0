// Anomaly detection across the workers of `serve --workers 2`: the primary counts what both workers
// see (a spray spread over both is caught at the threshold, not at twice it), and a block set for
// one worker's request is relayed to the other, so the caller is refused by both (the audit chains
// "gw/w1" and "gw/w2" both hold PCL_ERR_CALLER_BLOCKED refusals) and let go by both once `blockFor`
// has passed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitUntil } from './helpers/process.ts';
import { sprayUntilBlocked, startAnomalyCluster, type AnomalyCluster } from './helpers/anomaly.ts';
import { freshGet } from './helpers/fresh-get.ts';

const KEY = 'cluster-key-0123456789abcdef0123';
const BLOCK_MS = 3000;

/** GET on a fresh connection (SO_REUSEPORT spreads them over the workers). */
const get = freshGet;

describe('anomaly blocks with serve --workers 2', () => {
  let gateway: AnomalyCluster;
  let base: string;
  let admin: string;

  before(async () => {
    gateway = await startAnomalyCluster({ key: KEY, blockFor: `${BLOCK_MS}ms` });
    base = gateway.base;
    admin = gateway.admin;
  });

  after(async () => {
    await gateway?.stop();
  });

  test('a network blocked by one worker is refused by both, then let go', async () => {
    await sprayUntilBlocked(async (key, ip) => (await get(`${base}/v1/items`, { 'x-api-key': key, 'x-forwarded-for': ip })).status);
    const blockedAt = Date.now();
    // From here on only a valid key: the other worker cannot have reached the threshold on its own.
    const after = await Promise.all(Array.from({ length: 30 }, (_, i) => get(`${base}/v1/items`, { 'x-api-key': KEY, 'x-forwarded-for': `203.0.113.${200 + (i % 50)}` })));
    assert.deepEqual(after.map((r) => r.status), Array(30).fill(429));
    assert.equal(JSON.parse(after[0]!.body).code, 'PCL_ERR_CALLER_BLOCKED');
    const chains = await waitUntil('refusals from both workers in the audit trail', async () => {
      const { events } = JSON.parse((await get(`${admin}/api/events?verdict=deny&limit=200`)).body) as { events: { chain: string; reason: string }[] };
      const refusing = new Set(events.filter((e) => e.reason === 'PCL_ERR_CALLER_BLOCKED').map((e) => e.chain));
      return refusing.size === 2 ? [...refusing].sort() : undefined;
    }, 5000);
    assert.deepEqual(chains, ['gw/w1', 'gw/w2']);
    await waitUntil('the block to end', async () => (await get(`${base}/v1/items`, { 'x-api-key': KEY, 'x-forwarded-for': '203.0.113.77' })).status === 200, 15_000, 100);
    assert.ok(Date.now() - blockedAt >= BLOCK_MS - 500);
    const statuses = await Promise.all(Array.from({ length: 20 }, () => get(`${base}/v1/items`, { 'x-api-key': KEY, 'x-forwarded-for': '203.0.113.78' })));
    assert.deepEqual(statuses.map((r) => r.status), Array(20).fill(200), 'a worker still blocks');
  });

  test('the detectors count both workers\' traffic: the finding counts every refused key of the spray', async () => {
    // Each attempt on its own connection: the kernel spreads them over the two workers. Counting in
    // each worker, the detector would fire on one worker's share (about half the attempts).
    const probe = async () => (await get(`${base}/v1/items`, { 'x-api-key': KEY, 'x-forwarded-for': '198.51.100.250' })).status;
    let attempts = 0;
    while (attempts < 40) {
      const res = await get(`${base}/v1/items`, { 'x-api-key': `sprayed-key-${attempts}-0123456789`, 'x-forwarded-for': `198.51.100.${attempts + 1}` });
      assert.equal(res.status, 401);
      attempts++;
      await new Promise((r) => setTimeout(r, 250)); // detection runs in the primary, a batch (50 ms) later
      if ((await probe()) === 429) break;
    }
    assert.ok(attempts >= 8 && attempts < 40, `blocked after ${attempts} attempts`);
    const { alerts } = JSON.parse((await get(`${admin}/api/alerts`)).body) as { alerts: { subject: string; detail: string; blocked: boolean }[] };
    const finding = alerts.find((a) => a.subject === '198.51.100.0/24');
    assert.ok(finding, JSON.stringify(alerts));
    assert.equal(finding.blocked, true);
    assert.equal((JSON.parse(finding.detail) as { failures: number }).failures, attempts, 'every attempt, on either worker, was counted');
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => get(`${base}/v1/items`, { 'x-api-key': KEY, 'x-forwarded-for': `198.51.100.${100 + i}` })));
    assert.deepEqual(statuses.map((r) => r.status), Array(20).fill(429));
  });
});
