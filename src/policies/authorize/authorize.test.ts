// Through a real gateway with API-key (and JWT) authentication: roles from x-portcullis-roles, scopes from the
// security requirements (OR between requirement objects), public operations, defaultPolicy deny.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { apisYaml, startTestGateway, type TestGateway } from '../../../test/helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';

const spec = `openapi: 3.1.0
info: { title: t, version: '1' }
components:
  securitySchemes:
    key: { type: apiKey, in: header, name: X-API-Key }
security: [{ key: [] }]
paths:
  /public:
    get: { operationId: pub, security: [], responses: { '200': { description: ok } } }
  /mine:
    get: { operationId: mine, responses: { '200': { description: ok } } }
  /reports:
    get:
      operationId: reports
      security: [{ key: [reports:read] }, { key: [admin] }]
      responses: { '200': { description: ok } }
  /admin:
    get:
      operationId: admin
      x-portcullis-roles: [admin]
      responses: { '200': { description: ok } }
`;

const sha = (k: string) => createHash('sha256').update(k).digest('hex');
const config = (upstream: string, defaultPolicy: string, extra = '') => `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: ${upstream} } }
apis:
  - name: api
    spec: ./spec.yaml
    upstream: backend
    policies:
      auth-schemes:
        schemes:
          key:
            apiKey:
              format: any
              consumers:
                - { id: user, roles: [user], scopes: [], keys: [{ sha256: ${sha('user-key')} }] }
                - { id: analyst, roles: [user], scopes: ['reports:read'], keys: [{ sha256: ${sha('analyst-key')} }] }
                - { id: boss, roles: [admin], scopes: [admin], keys: [{ sha256: ${sha('boss-key')} }] }
      authorize:
        defaultPolicy: ${defaultPolicy}
${extra}`;

describe('authorize policy', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;

  before(async () => {
    upstream = await startUpstream();
    gw = await startTestGateway(config(upstream.url, 'allow'), { 'spec.yaml': spec });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  const status = async (path: string, key?: string) => (await fetch(`${gw.url}${path}`, { headers: key ? { 'x-api-key': key } : {} })).status;

  test('roles from x-portcullis-roles: only admins reach the admin operation, and nothing else gets through', async () => {
    const before = upstream.received.length;
    assert.equal(await status('/admin', 'user-key'), 403);
    assert.equal(await status('/admin', 'analyst-key'), 403);
    assert.equal(upstream.received.length, before, 'refusals never reach the upstream');
    assert.equal(await status('/admin', 'boss-key'), 200);
  });

  test('scopes from security requirements, OR between requirement objects', async () => {
    assert.equal(await status('/reports', 'user-key'), 403);
    assert.equal(await status('/reports', 'analyst-key'), 200);
    assert.equal(await status('/reports', 'boss-key'), 200);
  });

  test('public and merely authenticated operations', async () => {
    assert.equal(await status('/public'), 200);
    assert.equal(await status('/mine'), 401);
    assert.equal(await status('/mine', 'user-key'), 200);
  });

  test('defaultPolicy deny refuses operations without any rule; config rules and public flags apply', async () => {
    const strict = await startTestGateway(config(upstream.url, 'deny', '        operations:\n          reports: { roles: [admin] }\n'), { 'spec.yaml': spec.replace('  /mine:\n    get: { operationId: mine,', '  /mine:\n    get: { operationId: mine, security: [{ key: [] }],') });
    try {
      const s = async (path: string, key?: string) => (await fetch(`${strict.url}${path}`, { headers: key ? { 'x-api-key': key } : {} })).status;
      assert.equal(await s('/mine', 'boss-key'), 403, 'authenticated-only is not a rule under deny');
      assert.equal(await s('/public'), 200);
      assert.equal(await s('/reports', 'analyst-key'), 403, 'config adds the admin role to the scopes');
      assert.equal(await s('/reports', 'boss-key'), 200);
    } finally {
      await strict.close();
    }
  });

  test('a rule for an operation the document does not have is a config error', async () => {
    await assert.rejects(startTestGateway(config(upstream.url, 'allow', '        operations:\n          nope: { roles: [x] }\n'), { 'spec.yaml': spec }), /no operation "nope"/);
  });
});

// An operation with alternative requirements, one needing a scope and one needing none: the caller is
// checked against the alternative its own credential satisfied (a regression test: a scope-less
// alternative used to waive the scopes of the whole operation, and under deny left it with no rule).
const SECRET = 'authorize-test-hmac-secret-32-bytes-long!';
const mixedSpec = `openapi: 3.1.0
info: { title: t, version: '1' }
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows: { clientCredentials: { tokenUrl: 'https://idp.test/token', scopes: { 'orders:delete': delete, 'orders:read': read } } }
    partnerKey: { type: apiKey, in: header, name: X-Partner-Key }
paths:
  /orders/{id}:
    parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
    delete:
      operationId: deleteOrder
      security: [{ oauth: ['orders:delete'] }, { partnerKey: [] }]
      responses: { '200': { description: ok } }
    get:
      operationId: getOrder
      security: [{ oauth: [] }, { partnerKey: [] }]
      responses: { '200': { description: ok } }
`;
const issuer = `[{ issuer: https://idp.test, secret: ${SECRET}, audiences: [orders] }]`;
const mixedConfig = (upstream: string, defaultPolicy: string, auth = 'schemes') => apisYaml(upstream, `  - name: api
    spec: ./spec.yaml
    upstream: backend
    policies:
${
  auth === 'schemes'
    ? `      auth-schemes:
        schemes:
          oauth: { jwt: { issuers: ${issuer} } }
          partnerKey:
            apiKey:
              format: any
              consumers: [{ id: partner, roles: [], scopes: [], keys: [{ sha256: ${sha('partner-key')} }] }]`
    : `      auth-jwt: { issuers: ${issuer} }`
}
      authorize:
        defaultPolicy: ${defaultPolicy}
`);
const token = (scope: string) =>
  new SignJWT({ scope }).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://idp.test').setAudience('orders').setSubject('u1').setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));

describe('authorize: alternatives of a security requirement are checked by the scheme that authenticated', () => {
  let upstream: TestUpstream;
  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
  });

  const call = async (gw: TestGateway, headers: Record<string, string>, method = 'DELETE') => (await fetch(`${gw.url}/orders/7`, { method, headers })).status;
  const withGateway = async (yaml: string, run: (gw: TestGateway) => Promise<void>) => {
    const gw = await startTestGateway(yaml, { 'spec.yaml': mixedSpec });
    try {
      await run(gw);
    } finally {
      await gw.close();
    }
  };

  for (const defaultPolicy of ['allow', 'deny']) {
    test(`defaultPolicy ${defaultPolicy}: an OAuth token needs the scope, the partner key needs none`, () =>
      withGateway(mixedConfig(upstream.url, defaultPolicy), async (gw) => {
        const before = upstream.received.length;
        assert.equal(await call(gw, { authorization: `Bearer ${await token('orders:read')}` }), 403, 'a token without orders:delete');
        assert.equal(upstream.received.length, before, 'the refusal never reaches the upstream');
        assert.equal(await call(gw, { authorization: `Bearer ${await token('orders:read orders:delete')}` }), 200);
        assert.equal(await call(gw, { 'x-partner-key': 'partner-key' }), 200);
        assert.equal(await call(gw, { 'x-partner-key': 'wrong-key' }), 401);
        assert.equal(await call(gw, {}), 401);
        // Both credentials valid: the partner key alternative is satisfied on its own.
        assert.equal(await call(gw, { authorization: `Bearer ${await token('orders:read')}`, 'x-partner-key': 'partner-key' }), 200);
        // Alternatives without any scope are no rule: allowed under allow, refused under deny (as before).
        assert.equal(await call(gw, { 'x-partner-key': 'partner-key' }, 'GET'), defaultPolicy === 'allow' ? 200 : 403);
      }));
  }

  test('with auth-jwt (no scheme names), the token serves the oauth2 alternative by its type', () =>
    withGateway(mixedConfig(upstream.url, 'allow', 'jwt'), async (gw) => {
      assert.equal(await call(gw, { authorization: `Bearer ${await token('orders:read')}` }), 403);
      assert.equal(await call(gw, { authorization: `Bearer ${await token('orders:delete')}` }), 200);
    }));
});
