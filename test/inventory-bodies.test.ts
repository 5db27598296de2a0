// Content types and inferred body schemas on the demo, as shipped, through a real gateway: the
// inventory lists the media types of each endpoint's bodies, the OpenAPI draft describes the JSON
// bodies' structure (types, required, formats) and holds none of the values that went through.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { startDemoApi, type DemoApi } from '../examples/demo/api.ts';
import { passthroughYaml, startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';
import { runCli } from './helpers/process.ts';

const DEMO_DIR = new URL('../examples/demo/', import.meta.url).pathname;
const TOKEN = 'inventory-bodies-admin-token-0123';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('inventory of bodies on the demo API', () => {
  let api: DemoApi;
  let gw: TestGateway;
  const secrets: string[] = [];

  before(async () => {
    api = await startDemoApi();
    const yaml = (await readFile(`${DEMO_DIR}portcullis.yaml`, 'utf8')).replace('spec: ./openapi.yaml', `spec: ${DEMO_DIR}openapi.yaml`);
    gw = await startTestGateway(yaml, {}, { ...process.env, DEMO_API_URL: api.url, PORTCULLIS_PORT: '0', PORTCULLIS_ADMIN_PORT: '0', PORTCULLIS_ADMIN_TOKEN: TOKEN });
    const alice = api.users.find((u) => u.username === 'alice')!;
    const bob = api.users.find((u) => u.username === 'bob')!;
    const json = { 'content-type': 'application/json; charset=utf-8' };
    const call = async (path: string, init: RequestInit, status: number) => {
      const res = await fetch(`${gw.url}/api/v2${path}`, init);
      const text = await res.text();
      assert.equal(res.status, status, `${path}: ${text}`);
      return text;
    };
    for (const user of [alice, bob]) {
      const token = JSON.parse(await call('/auth/login', { method: 'POST', headers: json, body: JSON.stringify({ username: user.username, password: user.password }) }, 200)).access_token;
      secrets.push(user.password, token);
      const me = JSON.parse(await call('/me', { headers: { authorization: `Bearer ${token}` } }, 200));
      secrets.push(me.email, me.displayName);
    }
    await call('/auth/login', { method: 'POST', headers: json, body: JSON.stringify({ username: 'alice', password: 'Wr0ng-Guess-77' }) }, 401);
    secrets.push('Wr0ng-Guess-77');
    const email = 'alice.renamed.7731@example.org';
    await call('/me', { method: 'PATCH', headers: { ...json, 'x-api-key': alice.apiKey }, body: JSON.stringify({ email }) }, 200);
    secrets.push(email, alice.apiKey);
    await call('/products', {}, 200);
    // Refused by the gateway (a property the schema does not allow): its media type counts, its body is not sampled.
    await call('/auth/login', { method: 'POST', headers: json, body: JSON.stringify({ username: 'alice', password: 'x', isAdmin: true }) }, 400);
  });
  after(async () => {
    await gw?.close();
    await api?.close();
  });

  test('the inventory lists the media types of each endpoint\'s bodies, without parameters', async () => {
    const inventory = (await (await fetch(`${gw.adminUrl}/api/inventory`, { headers: auth })).json()) as any;
    const op = (id: string) => inventory.operations.find((o: any) => o.operationId === id);
    assert.deepEqual(op('login').requestTypes, { 'application/json': 4 });
    assert.deepEqual(op('login').responseTypes, { '2xx': { 'application/json': 2 }, '4xx': { 'application/json': 1 } });
    assert.deepEqual(op('getMe').requestTypes, {});
    assert.deepEqual(op('getMe').responseTypes, { '2xx': { 'application/json': 2 } });
    assert.deepEqual(op('updateMe').requestTypes, { 'application/json': 1 });
    assert.equal(inventory.operations.some((o: any) => 'bodies' in o), false, 'the JSON view leaves the shapes to the draft');
    const text = await runCli(['inventory', '--admin', gw.adminUrl!], { env: { PORTCULLIS_ADMIN_TOKEN: TOKEN }, timeoutMs: 60_000 });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /POST\s+\/api\/v2\/auth\/login[^\n]*\n\s+request application\/json; response 2xx application\/json, 4xx application\/json/);
  });

  test('the draft describes the JSON bodies\' structure and holds no value seen', async () => {
    const res = await fetch(`${gw.adminUrl}/api/inventory/openapi`, { headers: auth });
    const text = await res.text();
    const draft = JSON.parse(text);
    const login = draft.paths['/api/v2/auth/login'].post;
    assert.deepEqual(login.requestBody.content['application/json'].schema, {
      type: 'object',
      properties: { password: { type: 'string' }, username: { type: 'string' } },
      required: ['password', 'username'],
    });
    assert.deepEqual(login.responses['2XX'].content['application/json'].schema, {
      type: 'object',
      properties: { access_token: { type: 'string' }, expires_in: { type: 'integer' }, scope: { type: 'string' }, token_type: { type: 'string' } },
      required: ['access_token', 'expires_in', 'scope', 'token_type'],
    });
    assert.deepEqual(login.responses['4XX'].content['application/json'].schema, {
      type: 'object',
      properties: { error: { type: 'string' }, message: { type: 'string' } },
      required: ['error', 'message'],
    });
    assert.deepEqual(login['x-portcullis-observed'].bodySamples, { request: 3, '2xx': 2, '4xx': 1 }, 'the body the gateway refused is not sampled');
    const me = draft.paths['/api/v2/me'];
    assert.deepEqual(me.get.responses['2XX'].content['application/json'].schema, {
      type: 'object',
      properties: {
        avatarUrl: { type: 'null' },
        balance: { type: 'number' },
        createdAt: { type: 'string', format: 'date-time' },
        displayName: { type: 'string' },
        email: { type: 'string', format: 'email' },
        id: { type: 'integer' },
        role: { type: 'string' },
        username: { type: 'string' },
      },
      required: ['avatarUrl', 'balance', 'createdAt', 'displayName', 'email', 'id', 'role', 'username'],
    });
    assert.deepEqual(me.patch.requestBody.content['application/json'].schema, { type: 'object', properties: { email: { type: 'string', format: 'email' } }, required: ['email'] });
    // What the response filter strips (passwordHash, mfaSecret...) is never sampled: bodies are taken as sent.
    assert.doesNotMatch(text, /passwordHash|mfaSecret|internalNotes/);
    assert.equal(secrets.length, 11);
    for (const secret of secrets) assert.equal(text.includes(secret), false, `a value seen in traffic is in the draft: ${secret.slice(0, 12)}...`);
    assert.doesNotMatch(text, /"(example|examples|enum|default|const)"/);
  });
});

describe('streamed bodies: sampled only at streamedRate, up to maxBodySize, never delayed', () => {
  let upstream: TestUpstream;
  const gateways: TestGateway[] = [];
  const big = JSON.stringify({ rows: Array.from({ length: 200 }, (_, i) => ({ id: i, label: `row-${i}` })) });

  before(async () => {
    upstream = await startUpstream((req, res) => {
      if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(big);
      } else if (req.url === '/zipped') {
        const body = gzipSync(JSON.stringify({ hidden: 1 }));
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length });
        res.end(body);
      } else {
        // Chunked, in two writes: the copy follows the stream.
        res.writeHead(201, { 'content-type': 'application/vnd.items+json; charset=utf-8' });
        res.write(`{"id": ${Number(req.url!.split('/')[2])}, "owner": "carol.secret@example.net",`);
        setTimeout(() => res.end(' "at": "2026-03-01T10:00:00Z", "ratio": 0.25}'), 5);
      }
    });
  });
  after(async () => {
    for (const g of gateways) await g.close();
    await upstream?.close();
  });

  const start = async (inventory: string) => {
    const gw = await startTestGateway(passthroughYaml(upstream.url, `admin:\n  port: 0\n  token: ${TOKEN}\n${inventory}`).replace('admin:\n  enabled: false\n', ''));
    gateways.push(gw);
    for (const path of ['/items/17', '/items/18', '/big', '/zipped']) {
      const res = await fetch(`${gw.url}${path}`, { method: path === '/items/18' ? 'POST' : 'GET', headers: { 'content-type': 'text/plain' }, body: path === '/items/18' ? 'plain words' : undefined });
      const body = await res.arrayBuffer();
      if (path === '/big') assert.equal(Buffer.from(body).toString(), big, 'a body over maxBodySize streams whole');
    }
    return JSON.parse(await (await fetch(`${gw.adminUrl}/api/inventory/openapi`, { headers: auth })).text());
  };

  test('streamedRate 1 with a 1kb cap: small JSON responses are inferred, large and encoded ones are not', async () => {
    const draft = await start('inventory:\n  schemas:\n    streamedRate: 1\n    maxBodySize: 1kb\n');
    const item = draft.paths['/items/{itemId}'];
    assert.deepEqual(item.get.responses['2XX'].content['application/vnd.items+json'].schema, {
      type: 'object',
      properties: { at: { type: 'string', format: 'date-time' }, id: { type: 'integer' }, owner: { type: 'string', format: 'email' }, ratio: { type: 'number' } },
      required: ['at', 'id', 'owner', 'ratio'],
    });
    assert.deepEqual(item.post.requestBody.content, { 'text/plain': {} }, 'a streamed request body is never read');
    assert.deepEqual(draft.paths['/big'].get.responses['2XX'].content, { 'application/json': {} });
    assert.deepEqual(draft.paths['/zipped'].get.responses['2XX'].content, { 'application/json': {} });
    assert.doesNotMatch(JSON.stringify(draft), /carol|secret|row-|plain words/);
  });

  test('by default streamed responses are not copied; schemas.enabled: false infers nothing', async () => {
    for (const inventory of ['', 'inventory:\n  schemas:\n    enabled: false\n    streamedRate: 1\n']) {
      const draft = await start(inventory);
      assert.deepEqual(draft.paths['/items/{itemId}'].get.responses['2XX'].content, { 'application/vnd.items+json': {} }, inventory);
    }
  });
});
