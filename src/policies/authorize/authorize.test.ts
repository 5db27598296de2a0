// Through a real gateway with API-key authentication: roles from x-portcullis-roles, scopes from the
// security requirements (OR between requirement objects), public operations, defaultPolicy deny.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../../../test/helpers/gateway.ts';
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
