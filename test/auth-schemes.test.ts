// auth-schemes: OpenAPI security requirements (OR of ANDs, public, optional) through a running
// gateway, per-operation overrides, and the config mistakes refused at load.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { hashApiKey } from '../src/auth/api-key.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const SECRET = 'another-test-hmac-secret-32-bytes-long!!';
const KEY = 'partner-key-with-any-shape-000000000001';

const spec = (extraSchemes = '', extraPaths = '') => `openapi: 3.0.3
info: { title: t, version: '1' }
security:
  - bearer: []
paths:
  /public:
    get: { operationId: pub, security: [], responses: { '200': { description: ok } } }
  /either:
    get:
      operationId: either
      security: [{ bearer: [] }, { key: [] }]
      responses: { '200': { description: ok } }
  /both:
    get:
      operationId: both
      security: [{ bearer: [], key: [] }]
      responses: { '200': { description: ok } }
  /optional:
    get:
      operationId: optional
      security: [{}, { bearer: [] }]
      responses: { '200': { description: ok } }
  /default:
    get: { operationId: dflt, responses: { '200': { description: ok } } }
  /oauth-or-key:
    get:
      operationId: oauthOrKey
      security: [{ oauth: [read] }, { key: [] }]
      responses: { '200': { description: ok } }
  /overridden:
    get: { operationId: overridden, responses: { '200': { description: ok } } }
${extraPaths}components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
    key: { type: apiKey, in: header, name: X-Partner-Key }
    oauth: { type: oauth2, flows: { clientCredentials: { tokenUrl: 'https://idp/token', scopes: { read: r } } } }
${extraSchemes}`;

const gatewayYaml = (upstream: string, schemes = '', more = '') => `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: ${upstream} } }
apis:
  - name: t
    spec: spec.yaml
    upstream: backend
    policies:
      auth-schemes:
        bruteForce: { maxFailures: 100000 }
        schemes:
          bearer:
            jwt:
              issuers: [{ issuer: https://hmac.test, secret: ${SECRET}, audiences: [t] }]
          key:
            apiKey:
              format: any
              consumers: [{ id: partner, scopes: [p], keys: [{ sha256: ${hashApiKey(KEY)} }] }]
${schemes}        operations:
          overridden: [[key]]
${more}`;

const jwt = () => new SignJWT({ scope: 'j' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://hmac.test').setAudience('t').setSubject('user-1').setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));

describe('auth-schemes with an OpenAPI document', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  let token: string;
  before(async () => {
    upstream = await startUpstream();
    gw = await startTestGateway(gatewayYaml(upstream.url), { 'spec.yaml': spec() });
    token = await jwt();
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  async function status(path: string, creds: { bearer?: string; key?: string } = {}): Promise<number> {
    const headers: Record<string, string> = {};
    if (creds.bearer) headers.authorization = `Bearer ${creds.bearer}`;
    if (creds.key) headers['x-partner-key'] = creds.key;
    const before = upstream.received.length;
    const res = await fetch(`${gw.url}${path}`, { headers });
    await res.body?.cancel();
    if (res.status !== 200) assert.equal(upstream.received.length, before, `${path} reached the upstream`);
    return res.status;
  }

  test('security: [] is public', async () => {
    assert.equal(await status('/public'), 200);
  });

  test('OR: either scheme is enough; AND: both are needed', async () => {
    assert.equal(await status('/either'), 401);
    assert.equal(await status('/either', { bearer: token }), 200);
    assert.equal(await status('/either', { key: KEY }), 200);
    assert.equal(await status('/both', { bearer: token }), 401);
    assert.equal(await status('/both', { key: KEY }), 401);
    assert.equal(await status('/both', { bearer: token, key: KEY }), 200);
    const seen = upstream.received.at(-1)!.headers;
    assert.equal(seen['x-consumer-id'], 'partner');
    assert.equal(seen['x-auth-subject'], 'user-1');
  });

  test('a present but invalid credential refuses the request even when another one is valid', async () => {
    assert.equal(await status('/either', { bearer: token, key: 'wrong' }), 401);
  });

  test('{} among the alternatives: anonymous is fine, but a bad token is still refused', async () => {
    assert.equal(await status('/optional'), 200);
    assert.equal(await status('/optional', { bearer: token }), 200);
    assert.equal(upstream.received.at(-1)!.headers['x-auth-subject'], 'user-1');
    assert.equal(await status('/optional', { bearer: 'bad.token.here' }), 401);
  });

  test('the document-level security applies where the operation says nothing', async () => {
    assert.equal(await status('/default'), 401);
    assert.equal(await status('/default', { key: KEY }), 401);
    assert.equal(await status('/default', { bearer: token }), 200);
  });

  test('alternatives naming an unconfigured scheme are ignored; per-operation overrides win', async () => {
    assert.equal(await status('/oauth-or-key', { key: KEY }), 200);
    assert.equal(await status('/oauth-or-key', { bearer: token }), 401);
    assert.equal(await status('/overridden', { bearer: token }), 401);
    assert.equal(await status('/overridden', { key: KEY }), 200);
  });
});

describe('auth-schemes config mistakes are refused at load', () => {
  test('an operation that needs only unconfigured schemes', async () => {
    const extraPaths = `  /oauth-only:\n    get:\n      operationId: oauthOnly\n      security: [{ oauth: [read] }]\n      responses: { '200': { description: ok } }\n`;
    await assert.rejects(startTestGateway(gatewayYaml('http://127.0.0.1:1'), { 'spec.yaml': spec('', extraPaths) }), /oauthOnly.*"oauth"/s);
  });

  test('a scheme whose OpenAPI type does not fit', async () => {
    const wrong = `          oauth:\n            apiKey: {}\n`;
    await assert.rejects(startTestGateway(gatewayYaml('http://127.0.0.1:1', wrong), { 'spec.yaml': spec() }), /oauth2/);
  });

  test('a key read from the query string without queryParam', async () => {
    const q = `    qkey: { type: apiKey, in: query, name: api_key }\n`;
    const cfg = `          qkey:\n            apiKey: {}\n`;
    await assert.rejects(startTestGateway(gatewayYaml('http://127.0.0.1:1', cfg), { 'spec.yaml': spec(q) }), /queryParam/);
  });

  test('alg none and HS* without a secret are refused', async () => {
    const none = gatewayYaml('http://127.0.0.1:1').replace('secret: ' + SECRET, `jwksUrl: http://127.0.0.1:1/jwks, algorithms: [none]`);
    await assert.rejects(startTestGateway(none, { 'spec.yaml': spec() }), /algorithms/);
    const hs = gatewayYaml('http://127.0.0.1:1').replace('secret: ' + SECRET, `jwksUrl: http://127.0.0.1:1/jwks, algorithms: [HS256]`);
    await assert.rejects(startTestGateway(hs, { 'spec.yaml': spec() }), /HS\* algorithms need a secret/);
  });
});
