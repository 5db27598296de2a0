// Audit trail, metrics, stats and inventory through a real gateway with a real upstream, the audit
// events in a real SQLite file and in PostgreSQL: what the admin API answers after real traffic, the
// admin token, and `portcullis audit-log verify/export` on what the gateway wrote (then a restart
// continues the chain).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import pg from 'pg';
import { parse } from 'yaml';
import { hashApiKey } from '../src/auth/api-key.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { runCli } from './helpers/process.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const DATABASE_URL = process.env.DATABASE_URL;
const KEY = 'alice-secret-key-0123456789abcdef';
const TOKEN = 'admin-token-0123456789abcdef';

const SPEC = `openapi: 3.0.3
info: { title: shop, version: '2' }
servers: [{ url: /v2 }]
paths:
  /orders/{orderId}:
    get:
      operationId: getOrder
      parameters: [{ name: orderId, in: path, required: true, schema: { type: integer } }]
      responses: { '200': { description: ok } }
  /orders:
    post:
      operationId: createOrder
      responses: { '201': { description: ok } }
  /legacy/orders:
    get:
      operationId: listOrdersLegacy
      deprecated: true
      responses: { '200': { description: ok } }
`;

function yaml(upstream: string, store: string, extra = ''): string {
  return `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { host: 127.0.0.1, port: 0, token: ${TOKEN} }
log: { access: false }
audit:
  enabled: true
  store: "${store}"
  sampleAllowed: 1
  chain: test-gw
  signingKey: audit.key
  flushInterval: 20ms
  checkpointEvery: 5
${extra}upstreams: { backend: { url: ${upstream} } }
apis:
  - name: shop
    spec: ./openapi.yaml
    upstream: backend
    policies:
      auth-apikey:
        format: any
        consumers: [{ id: alice, keys: [{ sha256: ${hashApiKey(KEY)} }] }]
`;
}

/** Validators for the schemas of docs/admin-api.yaml, so the document cannot drift from the API. */
async function documentedSchemas() {
  const doc = parse(await readFile(new URL('../docs/admin-api.yaml', import.meta.url), 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  ajv.addSchema({ $id: 'admin-api', components: doc.components });
  const listSchema = doc.paths['/api/events'].get.responses['200'].content['application/json'].schema;
  return {
    doc,
    check(name: string, value: unknown) {
      const validate = name === 'EventPage' ? ajv.compile({ ...JSON.parse(JSON.stringify(listSchema).replaceAll('"#/components', '"admin-api#/components')) }) : ajv.getSchema(`admin-api#/components/schemas/${name}`)!;
      assert.ok(validate(value), `${name}: ${JSON.stringify(validate.errors)}`);
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function suite(name: string, setup: () => Promise<{ store: string; cleanup: () => Promise<void> }>) {
  describe(`observability through the gateway (${name} audit store)`, () => {
    let upstream: TestUpstream;
    let gw: TestGateway;
    let store: string;
    let cleanup: () => Promise<void> = async () => {};
    let privateKey: string;
    /** GET on the admin listener with the token ('' for none). */
    const admin = (path: string, token = TOKEN) => fetch(`${gw.adminUrl}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    const adminJson = async (path: string) => {
      const res = await admin(path);
      assert.equal(res.status, 200, `${path}: ${res.status}`);
      return (await res.json()) as any;
    };

    before(async () => {
      ({ store, cleanup } = await setup());
      upstream = await startUpstream();
      const { generateKeyPair } = await import('../src/observe/audit/signer.ts');
      privateKey = generateKeyPair().privatePem;
      gw = await startTestGateway(yaml(upstream.url, store), { 'openapi.yaml': SPEC, 'audit.key': privateKey });
      const call = (path: string, init: RequestInit = {}) => fetch(`${gw.url}${path}`, init).then(async (r) => (await r.arrayBuffer(), r.status));
      const withKey = { headers: { 'x-api-key': KEY } };
      assert.equal(await call('/v2/orders/1', withKey), 200);
      assert.equal(await call('/v2/orders/2', withKey), 200);
      assert.equal(await call('/v2/orders/3', withKey), 200);
      assert.equal(await call('/v2/legacy/orders', withKey), 200);
      assert.equal(await call('/v2/orders/4', { headers: { 'x-api-key': 'wrong-key-that-must-never-be-stored' } }), 401);
      assert.equal(await call('/v2/orders/5'), 401);
      assert.equal(await call('/v2/debug/4f9c2a11-6a2e-4c1b-9a3e-0d2b6b1f5e77/config?verbose=1'), 404);
      assert.equal(await call('/v1/orders/77', withKey), 404);
      assert.equal(await call('/v2/orders/6', { method: 'DELETE' }), 405);
      await sleep(150); // flushInterval 20ms
    });
    after(async () => {
      await gw?.close();
      await upstream?.close();
      await cleanup();
    });

    test('the admin API needs the token; health stays open', async () => {
      for (const path of ['/api/events', '/api/stats', '/api/inventory', '/metrics']) {
        const none = await admin(path, '');
        assert.equal(none.status, 401, path);
        assert.equal(none.headers.get('content-type'), 'application/problem+json');
        assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="portcullis-admin"');
        assert.equal((await admin(path, 'admin-token-0123456789abcdeX')).status, 401, path);
      }
      assert.equal((await admin('/healthz', '')).status, 200);
      const post = await fetch(`${gw.adminUrl}/api/events`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(post.status, 405);
    });

    test('every refusal has an event with policy, reason code and redacted evidence; allowed requests are sampled', async () => {
      const { events, nextCursor } = await adminJson('/api/events?limit=100');
      assert.equal(nextCursor, null);
      assert.equal(events.length, 9);
      const text = JSON.stringify(events);
      assert.ok(!text.includes(KEY) && !text.includes('wrong-key-that-must-never-be-stored'), 'a credential reached the audit trail');
      const denied = events.filter((e: any) => e.verdict === 'deny');
      assert.deepEqual(denied.map((e: any) => `${e.status} ${e.policy} ${e.reason}`).sort(), [
        '401 auth-apikey PCL_ERR_UNAUTHENTICATED',
        '401 auth-apikey PCL_ERR_UNAUTHENTICATED',
        '404 route PCL_ERR_ROUTE_NOT_FOUND',
        '404 route PCL_ERR_ROUTE_NOT_FOUND',
        '405 route PCL_ERR_METHOD_NOT_ALLOWED',
      ]);
      const wrongKey = denied.find((e: any) => e.path === '/v2/orders/4');
      assert.equal(wrongKey.evidence.reason, 'unknown_key');
      assert.deepEqual(wrongKey.decisions, [{ policy: 'auth-apikey', verdict: 'deny', code: 'PCL_ERR_UNAUTHENTICATED' }]);
      assert.equal(wrongKey.clientIp, '127.0.0.1');
      assert.match(wrongKey.requestId, /\S/);
      assert.equal(wrongKey.api, 'shop');
      assert.equal(wrongKey.operation, 'getOrder');
      const allowed = events.filter((e: any) => e.verdict === 'allow');
      assert.equal(allowed.length, 4);
      assert.ok(allowed.every((e: any) => e.consumer === 'alice' && e.status === 200));
      assert.match(allowed[0].hash, /^[0-9a-f]{64}$/);
    });

    test('filters, cursor pagination, one event by id, and 400 for malformed queries', async () => {
      assert.equal((await adminJson('/api/events?verdict=allow&consumer=alice&operation=getOrder')).events.length, 3);
      const first = await adminJson('/api/events?limit=4');
      assert.equal(first.events.length, 4);
      assert.ok(first.nextCursor);
      const second = await adminJson(`/api/events?limit=4&cursor=${first.nextCursor}`);
      const third = await adminJson(`/api/events?limit=4&cursor=${second.nextCursor}`);
      assert.equal(third.nextCursor, null);
      const ids = [...first.events, ...second.events, ...third.events].map((e: any) => e.id);
      assert.equal(new Set(ids).size, 9);
      assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
      assert.equal((await adminJson(`/api/events?from=${new Date(Date.now() + 60_000).toISOString()}`)).events.length, 0);
      const one = await adminJson(`/api/events/${ids[0]}`);
      assert.deepEqual(one, first.events[0]);
      assert.equal((await admin('/api/events/999999')).status, 404);
      for (const bad of ['limit=0', 'limit=x', 'verdict=maybe', 'from=yesterday', 'cursor=-1', 'nope=1', 'limit=1&limit=2', 'from=99999999999999999999', 'to=9999999999999999999', 'from=2026-02-30', 'to=2026-13-01T00:00:00Z']) {
        const res = await admin(`/api/events?${bad}`);
        assert.equal(res.status, 400, bad);
        assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_VALIDATION');
      }
    });

    test('stats: series, totals, denial reasons and top-k', async () => {
      const stats = await adminJson('/api/stats?minutes=5&top=3');
      assert.equal(stats.bucketSeconds, 5);
      assert.equal(stats.series.length, 60);
      assert.equal(stats.totals.requests, 9);
      assert.equal(stats.totals.denials, 5);
      assert.equal(stats.totals.errors, 0);
      assert.ok(stats.totals.p50Ms > 0 && stats.totals.p99Ms >= stats.totals.p50Ms);
      assert.deepEqual(stats.topDeniedReasons, [
        { reason: 'PCL_ERR_ROUTE_NOT_FOUND', count: 2 },
        { reason: 'PCL_ERR_UNAUTHENTICATED', count: 2 },
        { reason: 'PCL_ERR_METHOD_NOT_ALLOWED', count: 1 },
      ]);
      assert.deepEqual(stats.top.consumers, [{ key: 'alice', count: 4, error: 0 }]);
      assert.equal(stats.top.ips[0].key, '127.0.0.1');
      assert.equal(stats.top.operations[0].key, 'shop:getOrder');
      assert.equal(stats.top.operations[0].count, 5); // the 405 matched no operation
      assert.equal((await admin('/api/stats?minutes=99')).status, 400);
    });

    test('inventory: traffic per operation, shadow, zombie and unused', async () => {
      const inv = await adminJson('/api/inventory');
      const op = (id: string) => inv.operations.find((o: any) => o.operationId === id);
      assert.equal(op('getOrder').count, 5);
      assert.equal(op('getOrder').path, '/v2/orders/{orderId}');
      assert.deepEqual(op('getOrder').status, { '1xx': 0, '2xx': 3, '3xx': 0, '4xx': 2, '5xx': 0 });
      assert.equal(op('getOrder').authenticated, 3);
      assert.deepEqual(inv.unused, [{ api: 'shop', operationId: 'createOrder', method: 'POST', path: '/v2/orders' }]);
      assert.deepEqual(inv.shadow.map((s: any) => `${s.method} ${s.path}`).sort(), ['DELETE /v2/orders/{orderId}', 'GET /v1/orders/{orderId}', 'GET /v2/debug/{debugId}/config']);
      assert.deepEqual(inv.shadow.find((s: any) => s.path === '/v2/debug/{debugId}/config').queryNames, ['verbose']);
      assert.deepEqual(inv.zombie.map((z: any) => `${z.kind} ${z.method} ${z.path}`).sort(), ['deprecated GET /v2/legacy/orders', 'older-version GET /v1/orders/{orderId}']);
      const draft = await adminJson('/api/inventory/openapi');
      assert.equal(draft.openapi, '3.1.0');
      assert.ok(draft.paths['/v2/orders/{orderId}'].get);
      assert.deepEqual(draft.paths['/v2/debug/{debugId}/config'].get.parameters.map((p: any) => `${p.in}:${p.name}`), ['path:debugId', 'query:verbose']);
    });

    test('the answers match the schemas of docs/admin-api.yaml', async () => {
      const { check, doc } = await documentedSchemas();
      assert.equal(doc.openapi, '3.1.0');
      const page = await adminJson('/api/events?limit=100');
      check('EventPage', page);
      for (const e of page.events) check('Event', e);
      check('Stats', await adminJson('/api/stats'));
      check('Inventory', await adminJson('/api/inventory'));
      const problem = await admin('/api/events?limit=0');
      check('Problem', await problem.json());
    });

    test('metrics: requests, latency and denials, no per-client labels', async () => {
      const res = await admin('/metrics');
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.match(text, /portcullis_requests_total\{api="shop",operation="getOrder",status_class="2xx",decision="allow"\} 3/);
      assert.match(text, /portcullis_requests_total\{api="\(none\)",operation="\(none\)",status_class="4xx",decision="deny"\} 3/);
      assert.match(text, /portcullis_denials_total\{policy="auth-apikey",reason="PCL_ERR_UNAUTHENTICATED"\} 2/);
      assert.match(text, /portcullis_denials_total\{policy="route",reason="PCL_ERR_ROUTE_NOT_FOUND"\} 2/);
      assert.match(text, /portcullis_request_duration_seconds_count\{api="shop",operation="getOrder"\} 5/);
      assert.match(text, /portcullis_upstream_duration_seconds_count\{api="shop",operation="getOrder"\} 3/);
      assert.match(text, /portcullis_audit_events_written_total 9/);
      assert.match(text, /portcullis_audit_events_dropped_total\{kind="decision"\} 0/);
      assert.ok(!text.includes('127.0.0.1') && !text.includes('alice'), 'per-client labels in metrics');
    });

    test('audit-log verify passes on what the gateway wrote, export writes JSON lines; a restart continues the chain', async () => {
      await gw.close(); // flushes and takes a final checkpoint
      gw = await startTestGateway(yaml(upstream.url, store), { 'openapi.yaml': SPEC, 'audit.key': privateKey });
      assert.equal((await fetch(`${gw.url}/v2/orders/9`)).status, 401);
      await sleep(100);
      let r = await runCli(['audit-log', 'verify', '-c', gw.configPath], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      // The running gateway has not taken a checkpoint since its last request: that event is counted.
      assert.match(r.stdout, /chain test-gw: 10 events 1\.\.10, \d+ checkpoints \(\d+ with a valid signature\)(, 1 after the last signed checkpoint)?: OK/);
      // An emptied trail proves nothing: with the key it fails.
      const empty = join(gw.dir, 'empty.db');
      r = await runCli(['audit-log', 'verify', '--store', empty, '--key', join(gw.dir, 'audit.key')], { timeoutMs: 60_000 });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /no audit events: nothing to authenticate \(FAILED\)/);
      // Checkpoints kept elsewhere (here: the stored ones, one object per line) must be on the chain.
      const witness = join(gw.dir, 'witness.jsonl');
      const kept = await gw.gateway.observe.store!.audit.checkpoints('test-gw');
      assert.ok(kept.length > 0);
      await writeFile(witness, kept.map((c) => JSON.stringify(c)).join('\n'));
      r = await runCli(['audit-log', 'verify', '-c', gw.configPath, '--witness', witness], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      await writeFile(witness, JSON.stringify({ ...kept.at(-1)!, seq: 99 }));
      r = await runCli(['audit-log', 'verify', '-c', gw.configPath, '--witness', witness], { timeoutMs: 60_000 });
      assert.equal(r.code, 1, 'a witness line the key did not sign is reported');
      assert.match(r.stdout, /signature +at seq 99/);
      await writeFile(witness, 'no checkpoint here\n');
      r = await runCli(['audit-log', 'verify', '-c', gw.configPath, '--witness', witness], { timeoutMs: 60_000 });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /holds no audit checkpoint/);
      r = await runCli(['audit-log', 'export', '-c', gw.configPath], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(lines.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.equal(lines[9].prevHash, lines[8].hash);
      const out = join(gw.dir, 'events.jsonl');
      r = await runCli(['audit-log', 'export', '-c', gw.configPath, '--out', out], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await readFile(out, 'utf8')).trim().split('\n').length, 10);
    });
  });
}

suite('SQLite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcl-observe-'));
  return { store: join(dir, 'audit', 'events.db'), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

if (DATABASE_URL) {
  suite('PostgreSQL', async () => {
    const schema = `pcl_observe_${process.pid}_${randomBytes(3).toString('hex')}`;
    return {
      store: `${DATABASE_URL}?schema=${schema}`,
      cleanup: async () => {
        const client = new pg.Client(DATABASE_URL);
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      },
    };
  });
} else {
  test('observability with the PostgreSQL audit store', (t) => t.skip('DATABASE_URL is not set'));
}

describe('metrics, live stats and the inventory switched off', () => {
  for (const apiOn of [true, false]) {
    test(`nothing of them is recorded, the audit trail still is (admin API ${apiOn ? 'on' : 'off'})`, async () => {
      const upstream = await startUpstream();
      const dir = await mkdtemp(join(tmpdir(), 'pcl-observe-off-'));
      const { generateKeyPair } = await import('../src/observe/audit/signer.ts');
      const config = yaml(upstream.url, join(dir, 'events.db'), 'inventory: { enabled: false }\n').replace(`token: ${TOKEN} }`, `token: ${TOKEN}, metrics: false, api: ${apiOn} }`);
      const gw = await startTestGateway(config, { 'openapi.yaml': SPEC, 'audit.key': generateKeyPair().privatePem });
      try {
        const admin = (path: string) => fetch(`${gw.adminUrl}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
        for (const key of [KEY, KEY, 'wrong-key']) assert.equal((await fetch(`${gw.url}/v2/orders/1`, { headers: { 'x-api-key': key } })).status, key === KEY ? 200 : 401);
        assert.equal((await fetch(`${gw.url}/v2/nowhere`)).status, 404);
        const observe = gw.gateway.observe;
        assert.deepEqual((await observe.metrics.registry.getSingleMetric('portcullis_requests_total')!.get()).values, [], 'no request metrics');
        assert.deepEqual((await observe.metrics.registry.getSingleMetric('portcullis_denials_total')!.get()).values, []);
        assert.deepEqual(observe.observer.usage.raw().operations, [], 'no inventory');
        assert.deepEqual(observe.observer.usage.raw().shadow, []);
        const counted = observe.observer.stats.raw().buckets.reduce((n, b) => n + b.requests, 0);
        assert.equal(counted, apiOn ? 4 : 0, 'live stats are kept only when the admin API serves them');
        assert.equal((await admin('/metrics')).status, 404);
        if (apiOn) {
          const inv = await admin('/api/inventory');
          assert.equal(inv.status, 404);
          assert.match(((await inv.json()) as { detail: string }).detail, /inventory\.enabled: false/);
          await sleep(150);
          const events = (await (await admin('/api/events?limit=100')).json()) as { events: unknown[] };
          assert.equal(events.events.length, 4, 'every request audited (sampleAllowed: 1)');
        }
      } finally {
        await gw.close();
        await upstream.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
