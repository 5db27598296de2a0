// Administrators' changes through the admin listener of a real gateway leave a trace: every change to
// consumers and keys is an audit event of policy "admin" (who, from where, which consumer and key,
// roles and scopes before and after) and an info log line, never with a key or its hash; an expired
// key is not rotated; an internal error of the admin listener is logged with its request id and
// answered with a bare problem+json 500.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import pino from 'pino';
import { parse } from 'yaml';
import { hashApiKey } from '../src/auth/api-key.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';
import { dashboardYaml } from './helpers/web.ts';

const TOKEN = 'admin-token-for-the-admin-audit-test';

interface Event {
  requestId: string;
  clientIp: string;
  consumer: string | null;
  subject: string | null;
  method: string;
  path: string;
  status: number;
  policy: string;
  verdict: string;
  reason: string;
  evidence: Record<string, unknown>;
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

/** A gateway whose log lines are kept (parsed) in `lines`. */
async function loggedGateway(upstream: TestUpstream): Promise<{ gw: TestGateway; lines: Record<string, unknown>[]; text: () => string }> {
  const raw: string[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void raw.push(s) });
  const gw = await startTestGateway(dashboardYaml(upstream.url, { token: TOKEN }), {}, process.env, logger);
  return {
    gw,
    get lines() {
      return raw.map((s) => JSON.parse(s) as Record<string, unknown>);
    },
    text: () => raw.join(''),
  };
}

async function call(base: string, path: string, init: { method?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text.startsWith('{') ? JSON.parse(text) : undefined, text };
}

describe('admin changes in the audit trail and the log', () => {
  let upstream: TestUpstream;
  let logged: Awaited<ReturnType<typeof loggedGateway>>;
  let admin: string;
  before(async () => {
    upstream = await startUpstream();
    logged = await loggedGateway(upstream);
    admin = logged.gw.adminUrl!;
  });
  after(async () => {
    await logged?.gw.close();
    await upstream?.close();
  });

  test('each change to consumers and keys is an audit event of policy admin and a log line: who, from where, which ids, never a key', async () => {
    const check = await documented();
    const steps = [
      await call(admin, '/api/consumers', { method: 'POST', body: { id: 'mallory', name: 'Mallory', roles: ['user'] } }),
      await call(admin, '/api/consumers', { method: 'POST', body: { id: 'mallory', roles: ['admin'], scopes: ['orders:write'] } }),
      await call(admin, '/api/consumers/mallory/keys', { method: 'POST', body: { scopes: ['orders:read'], expiresIn: '30d' } }),
    ];
    const made = steps[2]!.json;
    steps.push(await call(admin, `/api/keys/${made.id}/rotate`, { method: 'POST', body: { grace: '1h' } }));
    const rotated = steps[3]!.json;
    steps.push(await call(admin, `/api/keys/${rotated.id}/revoke`, { method: 'POST' }));
    assert.deepEqual(steps.map((s) => s.status), [200, 200, 201, 201, 200]);

    // In the trail when the API has answered: no waiting.
    const page = await call(admin, '/api/events?policy=admin');
    assert.equal(page.status, 200);
    const events = (page.json.events as Event[]).toReversed();
    assert.deepEqual(events.map((e) => e.verdict), ['consumer-created', 'consumer-updated', 'key-created', 'key-rotated', 'key-revoked']);
    assert.deepEqual(events.map((e) => e.reason), ['PCL_ADMIN_CONSUMER_CREATED', 'PCL_ADMIN_CONSUMER_UPDATED', 'PCL_ADMIN_KEY_CREATED', 'PCL_ADMIN_KEY_ROTATED', 'PCL_ADMIN_KEY_REVOKED']);
    for (const [i, e] of events.entries()) {
      check('Event', e);
      check('AdminChange', e.evidence);
      assert.equal(e.policy, 'admin');
      assert.equal(e.subject, 'admin-token', 'who');
      assert.equal(e.evidence.by, 'admin-token');
      assert.equal(e.clientIp, '127.0.0.1', 'from where');
      assert.equal(e.consumer, 'mallory', 'about whom');
      assert.equal(e.evidence.consumerId, 'mallory');
      assert.equal(e.method, 'POST');
      assert.equal(e.status, steps[i]!.status);
      const id = steps[i]!.headers.get('x-request-id');
      assert.match(id ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(e.requestId, id, 'the X-Request-Id of the answer');
    }
    const [created, updated, keyCreated, keyRotated, keyRevoked] = events.map((e) => e.evidence);
    assert.deepEqual(created!.after, { name: 'Mallory', roles: ['user'], scopes: [] });
    assert.deepEqual(updated!.changed, ['roles', 'scopes']);
    assert.deepEqual(updated!.before, { name: 'Mallory', roles: ['user'], scopes: [] });
    assert.deepEqual(updated!.after, { name: 'Mallory', roles: ['admin'], scopes: ['orders:write'] });
    assert.equal(keyCreated!.keyId, made.id);
    assert.deepEqual(keyCreated!.scopes, ['orders:read']);
    assert.equal(keyCreated!.expiresAt, made.expiresAt);
    assert.equal(keyRotated!.keyId, rotated.id);
    assert.equal(keyRotated!.rotatedFrom, made.id);
    assert.equal(keyRotated!.oldKeyExpiresAt, rotated.oldKeyExpiresAt);
    assert.equal(keyRevoked!.keyId, rotated.id);
    assert.equal(events[4]!.path, `/api/keys/${rotated.id}/revoke`);

    // Filters: by verdict, by consumer.
    assert.deepEqual((await call(admin, '/api/events?verdict=key-rotated')).json.events.map((e: Event) => e.evidence.keyId), [rotated.id]);
    assert.equal((await call(admin, '/api/events?consumer=mallory&policy=admin')).json.events.length, 5);

    // One info line per change, with the same request id; no key, no hash, no admin token anywhere.
    const lines = logged.lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('admin change:'));
    assert.deepEqual(lines.map((l) => [l.msg, l.level, l.change, l.by, l.ip, l.consumer, l.reqId]), events.map((e) => [`admin change: ${e.verdict.replace('-', ' ')}`, 30, e.verdict, 'admin-token', '127.0.0.1', 'mallory', e.requestId]));
    assert.equal(lines[3]!.keyId, rotated.id);
    assert.equal(lines[3]!.rotatedFrom, made.id);
    const all = `${page.text}${(await call(admin, '/api/events?limit=500')).text}${logged.text()}`;
    for (const secret of [made.key, rotated.key, hashApiKey(made.key), hashApiKey(rotated.key), TOKEN]) assert.ok(!all.includes(secret), 'a key, a hash or the admin token was recorded');
  });

  test('a refused change is not recorded', async () => {
    const before = (await call(admin, '/api/events?policy=admin&limit=500')).json.events.length;
    assert.equal((await call(admin, '/api/keys/pcl_live_AAAAAAAA/revoke', { method: 'POST' })).status, 404);
    assert.equal((await call(admin, '/api/consumers/nobody/keys', { method: 'POST', body: {} })).status, 404);
    assert.equal((await call(admin, '/api/consumers', { method: 'POST', body: { id: 'x', roles: 'admin' } })).status, 400);
    assert.equal((await call(admin, '/api/events?policy=admin&limit=500')).json.events.length, before);
  });

  test('an expired key is not rotated (404, nothing made, nothing recorded); its consumer gets a new key instead', async () => {
    assert.equal((await call(admin, '/api/consumers', { method: 'POST', body: { id: 'lapsed' } })).status, 200);
    const old = await call(admin, '/api/consumers/lapsed/keys', { method: 'POST', body: { expiresIn: '1ms' } });
    assert.equal(old.status, 201);
    await new Promise((r) => setTimeout(r, 20));
    const r = await call(admin, `/api/keys/${old.json.id}/rotate`, { method: 'POST', body: {} });
    assert.equal(r.status, 404);
    assert.equal(r.json.code, 'PCL_ERR_ADMIN_NOT_FOUND');
    assert.match(r.json.detail, /no active key .*expired/);
    const lapsed = (await call(admin, '/api/consumers')).json.consumers.find((c: { id: string }) => c.id === 'lapsed');
    assert.deepEqual(lapsed.keys.map((k: { id: string; state: string }) => [k.id, k.state]), [[old.json.id, 'expired']]);
    assert.deepEqual((await call(admin, '/api/events?consumer=lapsed&verdict=key-rotated')).json.events, []);
    assert.equal((await call(admin, '/api/consumers/lapsed/keys', { method: 'POST', body: { expiresIn: '90d' } })).status, 201);
  });
});

describe('internal errors on the admin listener', () => {
  let upstream: TestUpstream;
  let logged: Awaited<ReturnType<typeof loggedGateway>>;
  before(async () => {
    upstream = await startUpstream();
    logged = await loggedGateway(upstream);
  });
  after(async () => {
    await logged?.gw.close();
    await upstream?.close();
  });

  test('a client that leaves in the middle of its body is not logged as a failure', async () => {
    const admin = new URL(logged.gw.adminUrl!);
    const socket = connect(Number(admin.port), admin.hostname);
    await once(socket, 'connect');
    socket.write(`POST /api/consumers HTTP/1.1\r\nHost: ${admin.host}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"id":`);
    await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(logged.lines.filter((l) => l.msg === 'admin request failed'), []);
  });

  test('are logged at error level with the request id and the path, and answered with a bare problem+json 500', async () => {
    const admin = logged.gw.adminUrl!;
    assert.equal((await call(admin, '/api/consumers')).status, 200);
    // The store breaks under the gateway: its tables are gone.
    const db = new DatabaseSync(join(logged.gw.dir, 'keys.db'));
    db.exec('DROP TABLE pcl_api_keys; DROP TABLE pcl_consumers');
    db.close();
    const r = await call(admin, '/api/consumers?name=query-text-not-logged', { method: 'POST', body: { id: 'eve', name: 'body-text-not-logged' } });
    assert.equal(r.status, 500);
    assert.equal(r.headers.get('content-type'), 'application/problem+json');
    assert.equal(r.json.code, 'PCL_ERR_INTERNAL');
    const id = r.headers.get('x-request-id');
    assert.equal(r.json.requestId, id);
    assert.ok(!/no such table|sqlite|\bat\b.*:\d+:\d+/i.test(r.text), 'no internals in the answer');

    const failures = logged.lines.filter((l) => l.msg === 'admin request failed');
    assert.equal(failures.length, 1);
    const line = failures[0]!;
    assert.equal(line.level, 50);
    assert.equal(line.reqId, id);
    assert.equal(line.method, 'POST');
    assert.equal(line.path, '/api/consumers');
    assert.match((line.err as { message: string }).message, /no such table/);
    const text = logged.text();
    for (const secret of ['body-text-not-logged', 'query-text-not-logged', TOKEN]) assert.ok(!text.includes(secret), secret);
  });
});
