// The demo behind the gateway with examples/demo/portcullis.yaml as shipped: which operations need
// credentials comes from the OpenAPI `security` (bearer JWT OR API key; health, login and products
// public). A recorder between gateway and demo API proves what reached the API.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { startDemoApi, type DemoApi } from '../examples/demo/api.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const DEMO_DIR = new URL('../examples/demo/', import.meta.url).pathname;

describe('the demo API with gateway authentication', () => {
  let api: DemoApi;
  let recorder: TestUpstream;
  let gw: TestGateway;
  let base: string;

  before(async () => {
    api = await startDemoApi();
    recorder = await startUpstream(async (req, res, body) => {
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length', 'transfer-encoding'].includes(k))) as Record<string, string>;
      const upstream = await fetch(`${api.url}${req.url}`, { method: req.method, headers, body: body.length ? body : undefined });
      const text = Buffer.from(await upstream.arrayBuffer());
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream', 'content-length': text.length });
      res.end(text);
    });
    // The shipped config, with the recorder as the upstream (the issuer and JWKS stay the API's).
    const yaml = (await readFile(`${DEMO_DIR}portcullis.yaml`, 'utf8'))
      .replace('    url: ${DEMO_API_URL:-http://127.0.0.1:3000}\n', `    url: ${recorder.url}\n`)
      .replace('spec: ./openapi.yaml', `spec: ${DEMO_DIR}openapi.yaml`);
    gw = await startTestGateway(yaml, {}, { ...process.env, DEMO_API_URL: api.url, PORTCULLIS_PORT: '0', PORTCULLIS_ADMIN_PORT: '0', PORTCULLIS_ADMIN_TOKEN: 'demo-admin-token-for-tests' });
    base = `${gw.url}/api/v2`;
  });
  after(async () => {
    await gw?.close();
    await recorder?.close();
    await api?.close();
  });

  async function refused(response: Promise<Response>, status = 401): Promise<Response> {
    const before = recorder.received.length;
    const res = await response;
    assert.equal(res.status, status);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.equal(((await res.json()) as { code: string }).code, status === 401 ? 'PCL_ERR_UNAUTHENTICATED' : 'PCL_ERR_TOO_MANY_AUTH_FAILURES');
    assert.equal(recorder.received.length, before, 'the request reached the demo API');
    return res;
  }

  const alice = () => api.users.find((u) => u.username === 'alice')!;

  test('public operations need no credentials', async () => {
    assert.equal((await fetch(`${base}/products`)).status, 200);
    assert.equal((await fetch(`${base}/health`)).status, 200);
    const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: alice().password }) });
    assert.equal(login.status, 200);
  });

  test('protected operations: 401 at the gateway without credentials, with both challenges', async () => {
    const res = await refused(fetch(`${base}/me`));
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="shop", ApiKey realm="shop", header="X-API-Key"');
    await refused(fetch(`${base}/me/orders`));
    await refused(fetch(`${base}/admin/stats`));
  });

  test('the demo issuer\'s JWT OR a demo API key is accepted; the identity goes upstream', async () => {
    const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: alice().password }) });
    const { access_token: token } = (await login.json()) as { access_token: string };
    assert.equal((await fetch(`${base}/me`, { headers: { authorization: `Bearer ${token}`, 'x-consumer-id': 'carol' } })).status, 200);
    let seen = recorder.received.at(-1)!.headers;
    assert.equal(seen['x-auth-subject'], '1');
    assert.equal(seen['x-consumer-id'], 'alice');
    assert.equal((await fetch(`${base}/me`, { headers: { 'x-api-key': alice().apiKey } })).status, 200);
    seen = recorder.received.at(-1)!.headers;
    assert.equal(seen['x-consumer-id'], 'alice');
    assert.match(String(seen['x-auth-scopes']), /orders:read/);
  });

  test('bad credentials never reach the demo API', async () => {
    await refused(fetch(`${base}/me`, { headers: { 'x-api-key': `${alice().apiKey}0` } }));
    await refused(fetch(`${base}/me`, { headers: { 'x-api-key': 'pcl_demo_mallory_0000000000000000' } }));
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: api.issuer, aud: 'portcullis-demo', sub: '3', exp: 9e9 })).toString('base64url')}.`;
    const res = await refused(fetch(`${base}/admin/stats`, { headers: { authorization: `Bearer ${none}` } }));
    assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });
});
