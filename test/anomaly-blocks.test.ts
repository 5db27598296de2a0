// The admin API on anomaly blocks (GET/POST /api/blocks, DELETE /api/blocks/{key}) against a real
// gateway: a network blocked by real credential stuffing is listed, lifted at once (its callers pass
// again, long before blockFor), and the lift is in the audit trail with who lifted it; a manual block
// refuses a consumer until lifted; malformed keys, unknown blocks and a missing credential get
// problem+json answers.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { waitUntil } from './helpers/process.ts';
import { keyedApiYaml } from './helpers/anomaly.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const TOKEN = 'admin-token-for-the-blocks-test';
const KEYS = { alice: 'alice-key-0123456789abcdef', bob: 'bob-key-0123456789abcdefgh' };

function yaml(upstreamUrl: string): string {
  return `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { host: 127.0.0.1, port: 0, token: ${TOKEN} }
log: { access: false }
forwarding: { trustedProxies: [127.0.0.1] }
audit: { enabled: true, store: audit.db, flushInterval: 20ms }
alerts:
  anomalies:
    credentialStuffing: { distinctCredentials: 8, window: 1m, mode: enforce, blockFor: 10m }
${keyedApiYaml(upstreamUrl, KEYS)}`;
}

/** Checks an answer against a schema of docs/admin-api.yaml, so the document cannot drift from the API. */
async function documented(): Promise<(name: string, value: unknown) => void> {
  const doc = parse(await readFile(new URL('../docs/admin-api.yaml', import.meta.url), 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  ajv.addSchema({ $id: 'admin-api', components: doc.components });
  return (name, value) => {
    const validate = ajv.getSchema(`admin-api#/components/schemas/${name}`)!;
    assert.ok(validate(value), `${name}: ${JSON.stringify(validate.errors)}`);
  };
}

interface BlockJson {
  key: string;
  kind: string;
  value: string;
  until: string;
  remaining: number;
}

describe('admin API on anomaly blocks', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  const call = async (key: string, ip: string) => (await fetch(`${gw.url}/v1/items`, { headers: { 'x-api-key': key, 'x-forwarded-for': ip } })).status;
  const admin = async (path: string, init: { method?: string; body?: unknown; token?: string | null } = {}) => {
    const headers: Record<string, string> = {};
    if (init.token !== null) headers.authorization = `Bearer ${init.token ?? TOKEN}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${gw.adminUrl}${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type'), body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };
  const list = async () => (await admin('/api/blocks')).body!.blocks as BlockJson[];

  before(async () => {
    upstream = await startUpstream();
    gw = await startTestGateway(yaml(upstream.url));
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  test('a network blocked by credential stuffing is listed, lifted at once, and the lift is audited', async () => {
    assert.deepEqual(await list(), []);
    let tried = 0;
    for (; tried < 40 && (await call(`stolen-key-${tried}-0123456789`, `203.0.113.${tried + 1}`)) !== 429; tried++);
    assert.ok(tried < 40, 'never blocked');
    assert.equal(await call(KEYS.alice, '203.0.113.250'), 429);

    const check = await documented();
    check('BlockList', (await admin('/api/blocks')).body);
    const [block, ...others] = await list();
    assert.deepEqual(others, []);
    assert.equal(block!.key, 'net:203.0.113.0/24');
    assert.equal(block!.kind, 'network');
    assert.equal(block!.value, '203.0.113.0/24');
    assert.ok(block!.remaining > 500 && block!.remaining <= 600, String(block!.remaining));
    assert.ok(Math.abs(Date.parse(block!.until) - Date.now() - block!.remaining * 1000) < 2000);

    // Written as the detector wrote it, or not in canonical form: the same block.
    const lifted = await admin(`/api/blocks/${encodeURIComponent('net:203.0.113.77/24')}`, { method: 'DELETE' });
    assert.equal(lifted.status, 204);
    assert.equal(await call(KEYS.alice, '203.0.113.250'), 200);
    assert.deepEqual(await list(), []);
    const again = await admin(`/api/blocks/${encodeURIComponent('net:203.0.113.0/24')}`, { method: 'DELETE' });
    assert.equal(again.status, 404);
    assert.equal(again.type, 'application/problem+json');
    assert.equal(again.body!.code, 'PCL_ERR_ADMIN_NOT_FOUND');

    const event = await waitUntil('the lift in the audit trail', async () => {
      const { events } = (await admin('/api/events?verdict=lifted')).body as { events: { policy: string; reason: string; subject: string; evidence: Record<string, unknown> }[] };
      return events[0];
    });
    const { events: [full] } = (await admin('/api/events?verdict=lifted')).body as { events: unknown[] };
    (await documented())('Event', full);
    assert.equal(event!.policy, 'anomaly');
    assert.equal(event!.reason, 'PCL_ANOMALY_BLOCK_LIFTED');
    assert.equal(event!.subject, 'admin-token');
    assert.equal(event!.evidence.block, 'net:203.0.113.0/24');
    assert.equal(event!.evidence.by, 'admin-token');
    assert.equal(Date.parse(block!.until) <= (event!.evidence.until as number) + 1000, true);
  });

  test('a manual block refuses a consumer until lifted', async () => {
    assert.equal(await call(KEYS.bob, '192.0.2.10'), 200);
    const made = await admin('/api/blocks', { method: 'POST', body: { key: 'consumer:bob', seconds: 600 } });
    assert.equal(made.status, 201);
    assert.equal(made.body!.kind, 'consumer');
    (await documented())('Block', made.body);
    assert.equal(await call(KEYS.bob, '192.0.2.10'), 429);
    assert.equal(await call(KEYS.alice, '192.0.2.10'), 200);
    const listed = await list();
    assert.deepEqual(listed.map((b) => b.key), ['consumer:bob']);
    assert.equal((await admin('/api/blocks/consumer%3Abob', { method: 'DELETE' })).status, 204);
    assert.equal(await call(KEYS.bob, '192.0.2.10'), 200);
    const { events } = (await waitUntil('the manual block in the audit trail', async () => {
      const body = (await admin('/api/events?verdict=blocked')).body as { events: unknown[] };
      return body.events.length > 0 ? body : undefined;
    })) as { events: { reason: string; evidence: Record<string, unknown> }[] };
    assert.equal(events[0]!.reason, 'PCL_ANOMALY_MANUAL_BLOCK');
    assert.equal(events[0]!.evidence.block, 'consumer:bob');
    // The Alerts page names the blocked key, not the admin's own address.
    const { alerts } = (await admin('/api/alerts?limit=10')).body as { alerts: { kind: string; subject: string }[] };
    assert.deepEqual(alerts.filter((a) => a.kind === 'PCL_ANOMALY_MANUAL_BLOCK').map((a) => a.subject), ['consumer:bob']);
    assert.ok(alerts.filter((a) => a.kind === 'PCL_ANOMALY_BLOCK_LIFTED').every((a) => a.subject.includes(':')), JSON.stringify(alerts));
  });

  test('a network block wider than a /8 (IPv4) or a /16 (IPv6) is refused: 0.0.0.0/0 would lock every client out', async () => {
    for (const key of ['net:0.0.0.0/0', 'net:10.0.0.0/7', 'net:::/0', 'net:2001::/15']) {
      const made = await admin('/api/blocks', { method: 'POST', body: { key, seconds: 60 } });
      assert.equal(made.status, 400, key);
      assert.equal(made.body!.code, 'PCL_ERR_BAD_REQUEST');
    }
    assert.deepEqual(await list(), []);
    assert.equal(await call(KEYS.alice, '192.0.2.10'), 200);
  });

  test('blocks are listed ending last first, bounded by limit', async () => {
    for (const [key, seconds] of [['ip:198.51.100.1', 100], ['ip:2001:db8::1', 300], ['net:198.51.100.0/24', 200]] as const) {
      assert.equal((await admin('/api/blocks', { method: 'POST', body: { key, seconds } })).status, 201);
    }
    assert.deepEqual((await list()).map((b) => b.key), ['ip:2001:db8::1', 'net:198.51.100.0/24', 'ip:198.51.100.1']);
    const page = (await admin('/api/blocks?limit=1')).body!;
    assert.deepEqual((page.blocks as BlockJson[]).map((b) => b.key), ['ip:2001:db8::1']);
    assert.equal(page.total, 3);
    assert.equal(await call(KEYS.alice, '198.51.100.9'), 429);
    for (const key of ['ip:198.51.100.1', 'ip:2001:db8::1', 'net:198.51.100.0/24']) assert.equal((await admin(`/api/blocks/${encodeURIComponent(key)}`, { method: 'DELETE' })).status, 204);
    assert.equal(await call(KEYS.alice, '198.51.100.9'), 200);
  });

  test('an address block is stored in canonical form and refuses the client however its address was spelt', async () => {
    const made = await admin('/api/blocks', { method: 'POST', body: { key: 'ip:2001:DB8:0:0::7', seconds: 600 } });
    assert.equal(made.status, 201);
    assert.equal(made.body!.key, 'ip:2001:db8::7');
    assert.equal(made.body!.value, '2001:db8::7');
    assert.equal(await call(KEYS.alice, '2001:db8::7'), 429);
    assert.equal(await call(KEYS.alice, '2001:0db8:0000::7'), 429);
    assert.equal((await admin(`/api/blocks/${encodeURIComponent('ip:2001:db8:0::7')}`, { method: 'DELETE' })).status, 204);
    assert.equal(await call(KEYS.alice, '2001:db8::7'), 200);
    assert.equal((await admin('/api/blocks', { method: 'POST', body: { key: 'ip:::ffff:192.0.2.44', seconds: 600 } })).body!.key, 'ip:192.0.2.44');
    assert.equal(await call(KEYS.alice, '192.0.2.44'), 429);
    assert.equal((await admin(`/api/blocks/${encodeURIComponent('ip:192.0.2.44')}`, { method: 'DELETE' })).status, 204);
  });

  test('malformed keys and bodies, a missing credential and wrong methods get problem+json', async () => {
    const bad = ['nope', 'ip:999.1.1.1', 'net:203.0.113.0', 'net:203.0.113.0/33', 'net:::ffff:1.2.3.4/120', 'consumer:', 'host:x', '%E0%A4%A'];
    for (const key of bad) {
      const res = await admin(`/api/blocks/${key.startsWith('%') ? key : encodeURIComponent(key)}`, { method: 'DELETE' });
      assert.equal(res.status, 400, key);
      assert.equal(res.type, 'application/problem+json');
    }
    for (const body of [{ key: 'ip:1.2.3' , seconds: 5 }, { key: 'ip:192.0.2.1', seconds: 0 }, { key: 'ip:192.0.2.1', seconds: 1.5 }, { key: 'ip:192.0.2.1' }, { seconds: 5 }]) {
      const res = await admin('/api/blocks', { method: 'POST', body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.type, 'application/problem+json');
    }
    assert.equal((await admin('/api/blocks?limit=0')).status, 400);
    assert.equal((await admin('/api/blocks?x=1')).status, 400);
    assert.equal((await admin('/api/blocks', { token: null })).status, 401);
    assert.equal((await admin('/api/blocks/ip%3A192.0.2.1', { method: 'DELETE', token: 'wrong-token-of-some-length' })).status, 401);
    const wrong = await admin('/api/blocks', { method: 'DELETE' });
    assert.equal(wrong.status, 405);
    assert.equal((await admin('/api/blocks/ip%3A192.0.2.1', { method: 'GET' })).status, 405);
    assert.deepEqual(await list(), []);
  });
});

describe('admin API on anomaly blocks without a credential or without blocking', () => {
  let upstream: TestUpstream;
  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream?.close();
  });

  test('an open admin API lists blocks but does not change them; without an enforce-mode detector there are none', async () => {
    const open = await startTestGateway(yaml(upstream.url).replace(`, token: ${TOKEN}`, ''));
    try {
      assert.equal((await fetch(`${open.adminUrl}/api/blocks`)).status, 200);
      const lift = await fetch(`${open.adminUrl}/api/blocks/ip%3A192.0.2.1`, { method: 'DELETE' });
      assert.equal(lift.status, 401);
      assert.equal(lift.headers.get('content-type'), 'application/problem+json');
      const add = await fetch(`${open.adminUrl}/api/blocks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"key":"ip:192.0.2.1","seconds":60}' });
      assert.equal(add.status, 401);
      assert.equal((await fetch(`${open.url}/v1/items`, { headers: { 'x-api-key': KEYS.alice } })).status, 200);
    } finally {
      await open.close();
    }
    const report = await startTestGateway(yaml(upstream.url).replace('mode: enforce', 'mode: report'));
    try {
      const res = await fetch(`${report.adminUrl}/api/blocks`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_ROUTE_NOT_FOUND');
    } finally {
      await report.close();
    }
  });
});
