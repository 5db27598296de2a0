// Identity headers through a running gateway and a real upstream: scopes and roles go upstream
// space-separated, so an entry the upstream would split into several ("billing admin" → billing +
// admin) is left out of the header, and the gateway's own checks keep using the exact entries.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const SECRET = 'an-identity-header-test-secret-of-32-bytes';

describe('identity headers with list entries that cannot be carried unambiguously', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;

  before(async () => {
    upstream = await startUpstream();
    gw = await startTestGateway(`listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: ${upstream.url} } }
apis:
  - name: shop
    upstream: backend
    routes: [{ path: /admin/*, operationId: admin }, { path: /*, operationId: all }]
    policies:
      authorize: { operations: { admin: { roles: [admin] } } }
      auth-jwt:
        issuers: [{ issuer: https://idp.test, secret: ${SECRET}, audiences: [shop], claims: { roles: realm_access.roles } }]
        identityHeaders: { roles: x-auth-roles }
`);
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  const token = (claims: Record<string, unknown>) =>
    new SignJWT({ sub: 'alice', ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://idp.test').setAudience('shop').setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));

  async function forwarded(claims: Record<string, unknown>): Promise<Record<string, unknown>> {
    const res = await fetch(`${gw.url}/x`, { headers: { authorization: `Bearer ${await token(claims)}` } });
    await res.body?.cancel();
    assert.equal(res.status, 200);
    return upstream.received.at(-1)!.headers;
  }

  test('entries with whitespace or a comma are left out of x-auth-scopes and x-auth-roles', async () => {
    const headers = await forwarded({
      scp: ['orders:read', 'orders:read admin:all', 'tab\tscope', 'a,b', 'nbsp\u00a0scope', 'orders:write'],
      realm_access: { roles: ['billing admin', 'user', 'x,admin', ''] },
    });
    assert.equal(headers['x-auth-scopes'], 'orders:read orders:write');
    assert.equal(headers['x-auth-roles'], 'user');
  });

  test('a list with only such entries sends no header at all', async () => {
    const headers = await forwarded({ scp: ['orders:read admin:all'], realm_access: { roles: ['billing admin'] } });
    assert.equal(headers['x-auth-scopes'], undefined);
    assert.equal(headers['x-auth-roles'], undefined);
  });

  test('ordinary entries are forwarded unchanged', async () => {
    const headers = await forwarded({ scope: 'orders:read orders:write', realm_access: { roles: ['user', 'admin'] } });
    assert.equal(headers['x-auth-scopes'], 'orders:read orders:write');
    assert.equal(headers['x-auth-roles'], 'user admin');
  });

  test('the gateway\'s own checks use the exact entries: "billing admin" is not the role admin', async () => {
    const status = async (roles: string[]) => {
      const res = await fetch(`${gw.url}/admin/x`, { headers: { authorization: `Bearer ${await token({ realm_access: { roles } })}` } });
      await res.body?.cancel();
      return res.status;
    };
    assert.equal(await status(['billing admin']), 403);
    assert.equal(await status(['admin']), 200);
  });
});
