// The admin API's consumer and key routes and the dashboard's static assets, against a real gateway:
// admin token required, keys made from the API work through the gateway, revoked keys are refused
// within the key cache TTL, bad input gets a 4xx problem document, every response carries the CSP.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';
import { dashboardYaml, ensureWebBuilt } from './helpers/web.ts';
import { Ajv } from 'ajv';
import { parse } from 'yaml';

const TOKEN = 'admin-token-for-the-admin-api-test';

/** Checks an answer against a schema of docs/admin-api.yaml, so the document cannot drift from the API. */
async function documented(): Promise<(name: string, value: unknown) => void> {
  const doc = parse(await readFile(new URL('../docs/admin-api.yaml', import.meta.url), 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addSchema({ $id: 'admin-api', components: doc.components });
  return (name, value) => {
    const validate = ajv.getSchema(`admin-api#/components/schemas/${name}`)!;
    assert.ok(validate(value), `${name}: ${JSON.stringify(validate.errors)}`);
  };
}

async function call(base: string, path: string, init: { method?: string; body?: unknown; token?: string | null; raw?: string; type?: string } = {}) {
  const headers: Record<string, string> = {};
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? TOKEN}`;
  if (init.body !== undefined || init.raw !== undefined) headers['content-type'] = init.type ?? 'application/json';
  const res = await fetch(`${base}${path}`, { method: init.method ?? 'GET', headers, body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text.startsWith('{') ? JSON.parse(text) : undefined, text };
}

describe('admin API: consumers and keys', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  let admin: string;
  before(async () => {
    await ensureWebBuilt();
    upstream = await startUpstream();
    gw = await startTestGateway(dashboardYaml(upstream.url, { token: TOKEN }));
    admin = gw.adminUrl!;
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  test('the admin API needs the admin token as a Bearer header', async () => {
    for (const token of [null, 'wrong-token-of-some-length', `${TOKEN}x`]) {
      const r = await call(admin, '/api/consumers', { token });
      assert.equal(r.status, 401);
      assert.equal(r.json.code, 'PCL_ERR_UNAUTHENTICATED');
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer /);
      assert.ok(!r.text.includes(TOKEN));
    }
    const session = await call(admin, '/api/session');
    assert.equal(session.status, 200);
    (await documented())('Session', session.json);
    assert.deepEqual(session.json, { authenticated: true, via: 'token', features: { keys: true } });
  });

  test('a key made by the API works through the gateway until it is revoked', async () => {
    const check = await documented();
    const saved = await call(admin, '/api/consumers', { method: 'POST', body: { id: 'shop-app', name: 'Shop app', roles: ['user'] } });
    assert.equal(saved.status, 200);
    check('Consumer', saved.json);
    const made = await call(admin, '/api/consumers/shop-app/keys', { method: 'POST', body: { scopes: ['orders:read'], expiresIn: '30d' } });
    assert.equal(made.status, 201);
    assert.match(made.json.key, /^pcl_live_/);
    assert.equal(made.json.state, 'expiring');
    assert.equal(made.json.hash, undefined);
    check('NewKey', made.json);
    const key: string = made.json.key;
    assert.equal((await fetch(`${gw.url}/x`, { headers: { 'x-api-key': key } })).status, 200);

    const listed = await call(admin, '/api/consumers');
    check('ConsumerList', listed.json);
    const shop = listed.json.consumers.find((c: { id: string }) => c.id === 'shop-app');
    assert.equal(shop.name, 'Shop app');
    assert.equal(shop.keys.length, 1);
    assert.ok(!listed.text.includes(key), 'the key is never listed');
    assert.ok(!/"hash"/.test(listed.text), 'nor its hash');

    const revoked = await call(admin, `/api/keys/${made.json.id}/revoke`, { method: 'POST' });
    assert.equal(revoked.status, 200);
    assert.equal(revoked.json.state, 'revoked');
    check('Key', revoked.json);
    await new Promise((r) => setTimeout(r, 250));
    assert.equal((await fetch(`${gw.url}/x`, { headers: { 'x-api-key': key } })).status, 401);
    assert.equal((await call(admin, `/api/keys/${made.json.id}/revoke`, { method: 'POST' })).json.code, 'PCL_ERR_ADMIN_NOT_FOUND');
  });

  test('rotation gives a new key; the old one works during the grace period', async () => {
    const first = await call(admin, '/api/consumers/shop-app/keys', { method: 'POST', body: {} });
    const rotated = await call(admin, `/api/keys/${first.json.id}/rotate`, { method: 'POST', body: { grace: '1h' } });
    assert.equal(rotated.status, 201);
    assert.equal(rotated.json.rotatedFrom, first.json.id);
    (await documented())('NewKey', rotated.json);
    assert.notEqual(rotated.json.key, first.json.key);
    for (const key of [first.json.key, rotated.json.key]) assert.equal((await fetch(`${gw.url}/x`, { headers: { 'x-api-key': key } })).status, 200);
  });

  test('a lifetime or grace period past the limits is refused, so no key row becomes unreadable', async () => {
    const key = await call(admin, '/api/consumers/shop-app/keys', { method: 'POST', body: { expiresIn: '3650d' } });
    assert.equal(key.status, 201);
    for (const body of [{ grace: '200000000d' }, { grace: '366d' }, { expiresIn: '99999999999d' }]) {
      const r = await call(admin, `/api/keys/${key.json.id}/rotate`, { method: 'POST', body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.code, 'PCL_ERR_BAD_REQUEST');
    }
    assert.equal((await call(admin, '/api/consumers', {})).status, 200, 'the key list still reads');
    assert.equal((await call(admin, `/api/keys/${key.json.id}/revoke`, { method: 'POST' })).status, 200);
  });

  test('bad input gets a 4xx problem document that does not echo it', async () => {
    const cases: [string, Parameters<typeof call>[2], number, string][] = [
      ['/api/consumers', { method: 'POST', body: { id: '<script>alert(1)</script>' } }, 400, 'PCL_ERR_BAD_REQUEST'],
      ['/api/consumers', { method: 'POST', body: {} }, 400, 'PCL_ERR_BAD_REQUEST'],
      ['/api/consumers', { method: 'POST', raw: '{"id":' }, 400, 'PCL_ERR_BAD_REQUEST'],
      ['/api/consumers', { method: 'POST', raw: '[1]' }, 400, 'PCL_ERR_BAD_REQUEST'],
      ['/api/consumers', { method: 'POST', raw: 'id=x', type: 'application/x-www-form-urlencoded' }, 415, 'PCL_ERR_UNSUPPORTED_MEDIA_TYPE'],
      ['/api/consumers', { method: 'POST', raw: JSON.stringify({ id: 'x'.repeat(20_000) }) }, 413, 'PCL_ERR_BODY_TOO_LARGE'],
      ['/api/consumers', { method: 'DELETE' }, 405, 'PCL_ERR_METHOD_NOT_ALLOWED'],
      ['/api/consumers/nobody/keys', { method: 'POST', body: {} }, 404, 'PCL_ERR_ADMIN_NOT_FOUND'],
      ['/api/consumers/shop-app/keys', { method: 'POST', body: { expiresIn: 'forever' } }, 400, 'PCL_ERR_BAD_REQUEST'],
      ['/api/consumers/shop-app/keys', { method: 'POST', body: { expiresIn: '99999999999d' } }, 400, 'PCL_ERR_BAD_REQUEST'],
      ['/api/consumers/shop-app/keys', { method: 'POST', body: { expiresIn: '3651d' } }, 400, 'PCL_ERR_BAD_REQUEST'],
      ['/api/consumers/shop-app/keys', { method: 'POST', body: { expiresIn: '0s' } }, 400, 'PCL_ERR_BAD_REQUEST'],
      ['/api/consumers', { method: 'POST', body: { id: 'x', name: 'evil\u202exyz' } }, 400, 'PCL_ERR_BAD_REQUEST'],
      ['/api/consumers', { method: 'POST', body: { id: 'x', name: 'two\u2028lines' } }, 400, 'PCL_ERR_BAD_REQUEST'],
      ['/api/consumers/shop-app/keys', { method: 'POST', body: { scopes: 'all' } }, 400, 'PCL_ERR_BAD_REQUEST'],
      ['/api/consumers/shop-app/keys', { method: 'POST', body: { env: 'LIVE!' } }, 400, 'PCL_ERR_BAD_REQUEST'],
      ['/api/consumers/%E0%A4%A/keys', { method: 'POST', body: {} }, 400, 'PCL_ERR_BAD_REQUEST'],
      ['/api/keys/not-a-key/revoke', { method: 'POST' }, 400, 'PCL_ERR_BAD_REQUEST'],
      ['/api/keys/pcl_live_AAAAAAAA/rotate', { method: 'POST', body: {} }, 404, 'PCL_ERR_ADMIN_NOT_FOUND'],
      ['/api/keys/pcl_live_AAAAAAAA/revoke', { method: 'GET' }, 405, 'PCL_ERR_METHOD_NOT_ALLOWED'],
      ['/api/nothing-here', {}, 404, 'PCL_ERR_ROUTE_NOT_FOUND'],
    ];
    for (const [path, init, status, code] of cases) {
      const r = await call(admin, path, init);
      assert.equal(r.status, status, `${init?.method ?? 'GET'} ${path}`);
      assert.equal(r.headers.get('content-type'), 'application/problem+json');
      assert.equal(r.json.code, code, path);
      assert.ok(!r.text.includes('<script>'));
    }
  });

  test('every admin response carries a strict CSP; assets have the right type and caching', async () => {
    const page = await fetch(`${admin}/`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    const html = await page.text();
    assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/i.test(html), 'no inline script');
    assert.ok(!/<style|\sstyle=/i.test(html), 'no inline style');
    for (const res of [page, await fetch(`${admin}/api/consumers`), await fetch(`${admin}/healthz`), await fetch(`${admin}/nope`)]) {
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /style-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.ok(!/unsafe-inline|unsafe-eval|\*|https?:/.test(csp), csp);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    }
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const style = /href="(\/assets\/[^"]+\.css)"/.exec(html)![1]!;
    const js = await fetch(`${admin}${script}`);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal((await fetch(`${admin}${style}`)).headers.get('content-type'), 'text/css; charset=utf-8');
    const again = await fetch(`${admin}${script}`, { headers: { 'if-none-match': js.headers.get('etag')! } });
    assert.equal(again.status, 304);
    assert.equal((await fetch(`${admin}/assets/../../package.json`)).status, 404);
    assert.equal((await fetch(`${admin}/`, { method: 'POST' })).status, 405);
  });
});

describe('admin API: closed without a token, 503 without a store', () => {
  test('no admin.token: every /api route is refused', async () => {
    const upstream = await startUpstream();
    const gw = await startTestGateway(dashboardYaml(upstream.url));
    try {
      const r = await call(gw.adminUrl!, '/api/consumers', { token: 'anything-at-all-1234' });
      assert.equal(r.status, 401);
      assert.match(r.json.detail, /admin\.token/);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });

  test('no admin.store: the key routes answer 503 PCL_ERR_ADMIN_NO_STORE', async () => {
    const upstream = await startUpstream();
    const gw = await startTestGateway(dashboardYaml(upstream.url, { token: TOKEN, store: false }));
    try {
      const r = await call(gw.adminUrl!, '/api/consumers');
      assert.equal(r.status, 503);
      assert.equal(r.json.code, 'PCL_ERR_ADMIN_NO_STORE');
      assert.deepEqual((await call(gw.adminUrl!, '/api/session')).json.features, { keys: false });
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});
