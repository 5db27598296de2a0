// The anomaly detectors of issue #7 through a real gateway, real clients and a real upstream:
// credential stuffing (distinct refused credentials per network; one user retrying one wrong key is
// not stuffing), sudden rate and error-ratio jumps against each caller's EWMA baseline (steady
// traffic is not a jump), and the two modes: enforce blocks the caller with 429
// PCL_ERR_CALLER_BLOCKED before the upstream and lets it go after `blockFor`; report never blocks.
// Client networks are simulated with X-Forwarded-For from a trusted proxy (the test client).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { keyedApiYaml } from './helpers/anomaly.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { waitUntil } from './helpers/process.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

// Intervals long enough that a burst fits in one even on a loaded machine; steady clients send
// STEADY requests per interval, far below minRequests.
const INTERVAL_MS = 1000;
const STEADY = 5;
const BLOCK_MS = 1500;
const KEYS = { alice: 'alice-key-0123456789abcdef', bob: 'bob-key-0123456789abcdefgh', carol: 'carol-key-0123456789abcdef', erin: 'erin-key-0123456789abcdefg' };

const SPEC = `openapi: 3.0.3
info: { title: shop, version: '2' }
servers: [{ url: /v2 }]
paths:
  /orders:
    get: { operationId: listOrders, responses: { '200': { description: ok } } }
  /fail:
    get: { operationId: fail, responses: { '200': { description: ok } } }
`;

function config(upstreamUrl: string, mode: 'report' | 'enforce'): string {
  return `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { host: 127.0.0.1, port: 0 }
log: { access: false }
forwarding: { trustedProxies: [127.0.0.1] }
audit: { enabled: true, store: audit.db, flushInterval: 20ms }
alerts:
  anomalies:
    credentialStuffing: { distinctCredentials: 10, window: 1m, mode: ${mode}, blockFor: ${BLOCK_MS}ms }
    rateJump: { interval: ${INTERVAL_MS}ms, warmup: 3, minRequests: 20, rateFactor: 3, minErrorRatio: 0.5, mode: ${mode}, blockFor: ${BLOCK_MS}ms }
${keyedApiYaml(upstreamUrl, KEYS, './openapi.yaml')}`;
}

interface Alert {
  kind: string;
  subject: string;
  blocked: boolean;
  until: number | null;
  time: number;
  detail: string;
}

/** Waits for `check` to give a value (10 s at most). */
const eventually = async <T>(what: string, check: () => Promise<T | undefined>): Promise<T> => (await waitUntil(what, check))!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function client(gw: () => TestGateway) {
  const call = async (path: string, o: { key?: string; ip?: string } = {}) => {
    const headers: Record<string, string> = {};
    if (o.key) headers['x-api-key'] = o.key;
    if (o.ip) headers['x-forwarded-for'] = o.ip;
    const res = await fetch(`${gw().url}${path}`, { headers });
    const text = await res.text();
    return { status: res.status, retryAfter: res.headers.get('retry-after'), type: res.headers.get('content-type'), body: text };
  };
  const alerts = async (kind: string): Promise<Alert[]> => {
    const res = await fetch(`${gw().adminUrl}/api/alerts?limit=200`);
    return ((await res.json()) as { alerts: Alert[] }).alerts.filter((a) => a.kind === kind);
  };
  /** `perInterval` requests in each of `intervals` intervals, as one steady client would. */
  const steady = async (key: string, intervals: number, perInterval: number) => {
    for (let i = 0; i < intervals; i++) {
      const started = Date.now();
      for (let j = 0; j < perInterval; j++) assert.equal((await call('/v2/orders', { key })).status, 200);
      await sleep(Math.max(0, INTERVAL_MS - (Date.now() - started)));
    }
  };
  const burst = async (count: number, path: string, key: string) => {
    const statuses: number[] = [];
    for (let i = 0; i < count; i += 25) statuses.push(...(await Promise.all(Array.from({ length: Math.min(25, count - i) }, async () => (await call(path, { key })).status))));
    return statuses;
  };
  return { call, alerts, steady, burst };
}

describe('anomaly detectors in enforce mode', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  const { call, alerts, steady, burst } = client(() => gw);

  before(async () => {
    upstream = await startUpstream();
    gw = await startTestGateway(config(upstream.url, 'enforce'), { 'openapi.yaml': SPEC });
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  test('one user retrying the same wrong key is not credential stuffing', async () => {
    // Twice the stuffing threshold, and below rateJump's minRequests (hammering a wrong key is an error jump).
    for (let i = 0; i < 19; i++) assert.equal((await call('/v2/orders', { key: 'alice-key-with-a-typo-0123', ip: '198.51.100.10' })).status, 401);
    assert.equal((await call('/v2/orders', { key: KEYS.alice, ip: '198.51.100.10' })).status, 200, 'the user was blocked');
    await sleep(100);
    assert.deepEqual(await alerts('PCL_ANOMALY_CREDENTIAL_STUFFING'), []);
  });

  test('credential stuffing: distinct bad keys from one /24 block the whole network until blockFor has passed', async () => {
    const reached = upstream.received.length;
    let tried = 0;
    for (; tried < 40; tried++) {
      const res = await call('/v2/orders', { key: `stolen-key-${tried}-0123456789`, ip: `203.0.113.${1 + (tried % 50)}` });
      if (res.status === 429) break;
      assert.equal(res.status, 401);
    }
    assert.ok(tried >= 8 && tried <= 20, `blocked after ${tried} distinct credentials (threshold 10)`);
    const blockedAt = Date.now();
    // Every address of the network, even with a valid key, is refused before reaching the upstream.
    const refused = await call('/v2/orders', { key: KEYS.alice, ip: '203.0.113.250' });
    assert.equal(refused.status, 429);
    assert.equal(refused.type, 'application/problem+json');
    assert.equal(JSON.parse(refused.body).code, 'PCL_ERR_CALLER_BLOCKED');
    assert.ok(Number(refused.retryAfter) >= 1 && Number(refused.retryAfter) <= 2, String(refused.retryAfter));
    assert.ok(!refused.body.includes('stolen-key'));
    assert.equal(upstream.received.length, reached, 'a blocked request reached the upstream');
    // Another network is not affected.
    assert.equal((await call('/v2/orders', { key: KEYS.alice, ip: '192.0.2.5' })).status, 200);

    const [finding] = await eventually('the finding in /api/alerts', async () => {
      const found = await alerts('PCL_ANOMALY_CREDENTIAL_STUFFING');
      return found.length > 0 ? found : undefined;
    });
    assert.equal(finding!.subject, '203.0.113.0/24');
    assert.equal(finding!.blocked, true);
    assert.ok(Math.abs(finding!.until! - (finding!.time + BLOCK_MS)) < 200, JSON.stringify(finding));
    const evidence = JSON.parse(finding!.detail);
    assert.equal(evidence.detector, 'credential-stuffing');
    assert.ok(evidence.distinctCredentials >= 10);
    assert.ok(!finding!.detail.includes('stolen-key'), 'a credential reached the audit trail');
    // Each refusal is a denial in the audit trail, by the anomaly-block step.
    const events = await eventually('the refusal in the audit trail', async () => {
      const res = await fetch(`${gw.adminUrl}/api/events?verdict=deny&ip=203.0.113.250&limit=5`);
      const { events } = (await res.json()) as { events: { reason: string; policy: string; status: number }[] };
      return events.length > 0 ? events : undefined;
    });
    assert.deepEqual({ reason: events[0]!.reason, policy: events[0]!.policy, status: events[0]!.status }, { reason: 'PCL_ERR_CALLER_BLOCKED', policy: 'anomaly-block', status: 429 });

    await waitUntil('the block to end', async () => (await call('/v2/orders', { key: KEYS.alice, ip: '203.0.113.250' })).status === 200, 10_000, 50);
    assert.ok(Date.now() >= finding!.until! - 5, `let go ${finding!.until! - Date.now()} ms early`);
    assert.ok(Date.now() - blockedAt < BLOCK_MS + 2000);
  });

  test('rate jump: steady traffic is left alone; a burst after a steady baseline blocks that consumer only', async () => {
    await Promise.all([steady(KEYS.alice, 7, STEADY), steady(KEYS.bob, 5, STEADY)]);
    const statuses = await burst(150, '/v2/orders', KEYS.bob);
    assert.equal(statuses[0], 200);
    assert.ok(statuses.includes(429), 'the burst was not blocked');
    const blockedAt = Date.now();
    const refused = await call('/v2/orders', { key: KEYS.bob });
    assert.equal(refused.status, 429);
    assert.equal(JSON.parse(refused.body).code, 'PCL_ERR_CALLER_BLOCKED');
    assert.equal((await call('/v2/orders', { key: KEYS.alice })).status, 200, 'another consumer from the same address was blocked');
    const found = await eventually('the rate-jump finding', async () => {
      const f = await alerts('PCL_ANOMALY_RATE_JUMP');
      return f.length > 0 ? f : undefined;
    });
    assert.deepEqual([...new Set(found.map((f) => f.subject))], ['bob'], 'only the bursting consumer jumped');
    assert.equal(found[0]!.blocked, true);
    const evidence = JSON.parse(found[0]!.detail);
    assert.ok(evidence.requests > 3 * evidence.baselineRequests && evidence.requests >= 20, found[0]!.detail);
    await waitUntil('the consumer block to end', async () => (await call('/v2/orders', { key: KEYS.bob })).status === 200, 10_000, 50);
    assert.ok(Date.now() >= found[0]!.until! - 5, `let go ${found[0]!.until! - Date.now()} ms early`);
    assert.ok(Date.now() - blockedAt < BLOCK_MS + 2000);
  });
});

describe('anomaly detectors in report mode', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  const { call, alerts, steady, burst } = client(() => gw);

  before(async () => {
    upstream = await startUpstream((req, res) => {
      res.writeHead(req.url?.startsWith('/v2/fail') ? 500 : 200, { 'content-type': 'application/json' }).end('{}');
    });
    gw = await startTestGateway(config(upstream.url, 'report'), { 'openapi.yaml': SPEC });
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  test('findings are reported, nobody is blocked', async () => {
    for (let i = 0; i < 30; i++) assert.equal((await call('/v2/orders', { key: `stolen-key-${i}-0123456789`, ip: `203.0.113.${i + 1}` })).status, 401);
    assert.equal((await call('/v2/orders', { key: KEYS.alice, ip: '203.0.113.99' })).status, 200);
    await Promise.all([steady(KEYS.carol, 5, STEADY), steady(KEYS.bob, 5, STEADY)]);
    const statuses = await burst(150, '/v2/orders', KEYS.bob);
    assert.ok(statuses.every((s) => s === 200), 'report mode blocked a request');
    assert.equal((await call('/v2/orders', { key: KEYS.bob })).status, 200);
    const stuffing = await eventually('the stuffing finding', async () => (await alerts('PCL_ANOMALY_CREDENTIAL_STUFFING'))[0]);
    assert.equal(stuffing.blocked, false);
    assert.equal(stuffing.until, null);
    const jump = await eventually('the rate-jump finding', async () => (await alerts('PCL_ANOMALY_RATE_JUMP'))[0]);
    assert.equal(jump.subject, 'bob');
    assert.equal(jump.blocked, false);
    assert.deepEqual(await alerts('PCL_ERR_CALLER_BLOCKED'), []);
  });

  test('error-ratio jump: a consumer whose calls suddenly fail', async () => {
    await steady(KEYS.erin, 4, STEADY);
    const statuses = await burst(60, '/v2/fail', KEYS.erin);
    assert.ok(statuses.every((s) => s >= 500), String(statuses));
    const jump = await eventually('the error-jump finding', async () => (await alerts('PCL_ANOMALY_ERROR_JUMP')).find((a) => a.subject === 'erin'));
    const evidence = JSON.parse(jump.detail);
    assert.ok(evidence.errorRatio > 0.5 && evidence.requests >= 20, jump.detail);
    assert.deepEqual([...new Set((await alerts('PCL_ANOMALY_ERROR_JUMP')).map((a) => a.subject))], ['erin'], 'a consumer without errors had an error jump');
    assert.equal((await alerts('PCL_ANOMALY_RATE_JUMP')).filter((a) => a.subject === 'carol').length, 0, 'steady traffic jumped');
  });
});
