// Single sign-on to the admin API (admin.oidc) against a real OpenID Connect provider: ID tokens of
// the dashboard's client with an allowed role are accepted on every admin route, others get 401 or
// 403; the admin token keeps working; the sign-in options and the dashboard's CSP name the provider;
// a user's change to the consumers is recorded with the user's name.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startOidcProvider, type OidcProvider } from './helpers/oidc-provider.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';
import { dashboardYaml } from './helpers/web.ts';

const TOKEN = 'admin-oidc-test-admin-token';
const alice = { sub: 'alice', name: 'Alice Admin', roles: ['portcullis-admin'] };
const bob = { sub: 'bob', name: 'Bob', roles: ['viewer'] };

describe('admin API with single sign-on', () => {
  let provider: OidcProvider;
  let upstream: TestUpstream;
  let gw: TestGateway;
  let oidcOnly: TestGateway;
  const oidcYaml = (issuer: string) => `  oidc:\n    issuer: ${issuer}\n    clientId: portcullis-dashboard\n    roles: [portcullis-admin, security-lead]\n`;

  before(async () => {
    provider = await startOidcProvider('portcullis-dashboard', []);
    upstream = await startUpstream();
    const yaml = dashboardYaml(upstream.url, { token: TOKEN });
    gw = await startTestGateway(yaml.replace('admin:\n  port: 0\n', `admin:\n  port: 0\n${oidcYaml(provider.issuer)}`));
    oidcOnly = await startTestGateway(dashboardYaml(upstream.url).replace('admin:\n  port: 0\n', `admin:\n  port: 0\n${oidcYaml(provider.issuer)}`));
  });
  after(async () => {
    await gw?.close();
    await oidcOnly?.close();
    await upstream?.close();
    await provider?.close();
  });

  const get = (g: TestGateway, path: string, bearer?: string) => fetch(`${g.adminUrl}${path}`, { headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` } });

  test('the sign-in options name the provider, and the dashboard may reach it (CSP)', async () => {
    const res = await get(gw, '/api/login-options');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      token: true,
      oidc: { issuer: provider.issuer, authorizationEndpoint: `${provider.issuer}/authorize`, tokenEndpoint: `${provider.issuer}/token`, clientId: 'portcullis-dashboard', scopes: ['openid', 'profile', 'email'] },
    });
    const page = await get(gw, '/');
    assert.match(page.headers.get('content-security-policy') ?? '', new RegExp(`connect-src 'self' ${provider.issuer}[;\\s]`));
    assert.equal(((await (await get(oidcOnly, '/api/login-options')).json()) as { token: boolean }).token, false);
  });

  test('an ID token with an allowed role opens every admin route; the admin token still works', async () => {
    const idToken = await provider.mint(alice);
    const session = await get(gw, '/api/session', idToken);
    assert.equal(session.status, 200);
    assert.deepEqual(await session.json(), { authenticated: true, via: 'oidc', user: 'Alice Admin', features: { keys: true } });
    for (const path of ['/api/events', '/api/stats', '/api/inventory', '/api/consumers', '/metrics']) assert.equal((await get(gw, path, idToken)).status, 200, path);
    assert.equal((await get(oidcOnly, '/api/consumers', idToken)).status, 200, 'without admin.token too');
    assert.deepEqual(await (await get(gw, '/api/session', TOKEN)).json(), { authenticated: true, via: 'token', features: { keys: true } });
  });

  test('a change made by a signed-in user is recorded with the name of the user', async () => {
    const idToken = await provider.mint(alice);
    const post = (path: string, body: unknown, bearer: string) =>
      fetch(`${gw.adminUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await post('/api/consumers', { id: 'sso-made', roles: ['admin'] }, idToken)).status, 200);
    // A user without an allowed role changes nothing, and nothing is recorded.
    assert.equal((await post('/api/consumers', { id: 'sso-refused' }, await provider.mint(bob))).status, 403);
    const { events } = (await (await get(gw, '/api/events?policy=admin', TOKEN)).json()) as { events: { subject: string; consumer: string; verdict: string; evidence: { by: string } }[] };
    assert.deepEqual(events.map((e) => [e.verdict, e.consumer, e.subject, e.evidence.by]), [['consumer-created', 'sso-made', 'Alice Admin', 'Alice Admin']]);
  });

  test('a valid user without an allowed role: 403; bad tokens: 401 with a challenge', async () => {
    const viewer = await provider.mint(bob);
    for (const path of ['/api/session', '/api/events', '/api/consumers']) {
      const res = await get(gw, path, viewer);
      assert.equal(res.status, 403, path);
      assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_FORBIDDEN');
    }
    const bad = [
      await provider.mint(alice, { audience: 'another-client' }),
      await provider.mint(alice, { issuer: 'https://elsewhere.example' }),
      await provider.mint(alice, { expiresIn: '-1m' }),
      `${(await provider.mint(alice)).slice(0, -4)}AAAA`,
      // Tokens of the provider that name the dashboard but are not its ID tokens.
      await provider.mint(alice, { claims: { azp: 'another-client' } }),
      await provider.mint(alice, { audience: ['portcullis-dashboard', 'api'] }),
      await provider.mint(alice, { typ: 'at+jwt' }),
      await provider.mint(alice, { claims: { typ: 'Bearer' } }),
      'a.b.c',
      'not-a-jwt',
    ];
    for (const token of bad) {
      for (const path of ['/api/session', '/api/events']) {
        const res = await get(gw, path, token);
        assert.equal(res.status, 401, `${path} ${token.slice(0, 20)}`);
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="portcullis-admin", error="invalid_token"/);
        assert.ok(!(await res.text()).includes(token));
      }
    }
    assert.equal((await get(oidcOnly, '/api/events')).status, 401, 'no credential');
    // Several audiences with the dashboard as the authorized party is an ID token of the dashboard.
    assert.equal((await get(gw, '/api/session', await provider.mint(alice, { audience: ['portcullis-dashboard', 'api'], claims: { azp: 'portcullis-dashboard' } }))).status, 200);
  });
});
