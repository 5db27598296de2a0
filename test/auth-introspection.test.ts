// OAuth2 token introspection (RFC 7662) through a running gateway, against a real local
// introspection endpoint: client authentication, identity mapping, caching (bounded by exp, negative
// answers briefly), single flight, and 503 (never a silent allow) when the endpoint fails.
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { hashApiKey } from '../src/auth/api-key.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startIntrospectionServer, type IntrospectionServer } from './helpers/introspection-server.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const CLIENT_SECRET = 'gateway secret:with/odd chars';
const opaque = () => randomBytes(24).toString('base64url');
const inSeconds = (s: number) => Math.floor(Date.now() / 1000) + s;

const policyYaml = (endpoint: string, extra = '') => `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: UPSTREAM } }
apis:
  - name: shop
    upstream: backend
    routes: [{ path: /*, operationId: all }]
    policies:
      auth-introspection:
        endpoint: ${endpoint}
        clientId: portcullis
        clientSecret: \${file:client.secret}
        timeout: 300ms
        clockTolerance: 0s
        cache: { maxTtl: 1m, negativeTtl: 500ms }
        bruteForce: { maxFailures: 100000 }
        identityHeaders: { roles: x-auth-roles }
${extra}`;

describe('auth-introspection', () => {
  let upstream: TestUpstream;
  let as: IntrospectionServer;
  let gw: TestGateway;

  before(async () => {
    upstream = await startUpstream();
    as = await startIntrospectionServer('portcullis', CLIENT_SECRET);
    gw = await startTestGateway(policyYaml(as.url).replace('UPSTREAM', upstream.url), { 'client.secret': `${CLIENT_SECRET}\n` });
  });
  after(async () => {
    await gw?.close();
    await as?.close();
    await upstream?.close();
  });

  async function call(token: string | undefined): Promise<{ status: number; body: Record<string, unknown>; headers: Headers; reached: boolean }> {
    const before = upstream.received.length;
    const res = await fetch(`${gw.url}/orders`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers, reached: upstream.received.length > before };
  }

  test('an active token: the identity goes upstream, the answer is cached, the client authenticated', async () => {
    const token = opaque();
    as.tokens.set(token, { sub: 'user-7', scope: 'orders:read orders:write', client_id: 'mobile-app', username: 'alice', roles: ['customer'], exp: inSeconds(300) });
    const first = await call(token);
    assert.equal(first.status, 200);
    const seen = upstream.received.at(-1)!.headers;
    assert.equal(seen['x-auth-subject'], 'user-7');
    assert.equal(seen['x-auth-scopes'], 'orders:read orders:write');
    assert.equal(seen['x-consumer-id'], 'mobile-app');
    assert.equal(seen['x-auth-roles'], 'customer');
    const mine = as.calls.filter((c) => c.token === token);
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.client, 'portcullis', 'client_secret_basic with the secret read from the file');
    assert.equal(mine[0]!.hint, 'access_token');
    assert.equal((await call(token)).status, 200);
    assert.equal(as.calls.filter((c) => c.token === token).length, 1, 'the second call is served from the cache');
  });

  test('username names the subject when sub is absent', async () => {
    const token = opaque();
    as.tokens.set(token, { username: 'bob', scope: 'a', exp: inSeconds(60) });
    assert.equal((await call(token)).status, 200);
    assert.equal(upstream.received.at(-1)!.headers['x-auth-subject'], 'bob');
  });

  test('an inactive or unknown token: generic 401 with an RFC 6750 challenge, cached briefly', async () => {
    const token = opaque();
    const res = await call(token);
    assert.equal(res.status, 401);
    assert.equal(res.reached, false);
    assert.equal(res.body.code, 'PCL_ERR_UNAUTHENTICATED');
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="shop", error="invalid_token"');
    assert.equal((await call(token)).status, 401);
    assert.equal(as.calls.filter((c) => c.token === token).length, 1, 'the negative answer is cached');
    // Once the negative answer expires, a token that became active is accepted.
    as.tokens.set(token, { sub: 'late', exp: inSeconds(60) });
    await new Promise((r) => setTimeout(r, 600));
    assert.equal((await call(token)).status, 200);
  });

  test('no token: 401 without error, nothing asked', async () => {
    const calls = as.calls.length;
    const res = await call(undefined);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="shop"');
    assert.equal(as.calls.length, calls);
  });

  test('the cache never outlives exp, and an answer with a past exp is refused', async () => {
    const token = opaque();
    as.tokens.set(token, { sub: 'short', exp: inSeconds(1) });
    assert.equal((await call(token)).status, 200);
    await new Promise((r) => setTimeout(r, (inSeconds(1) - Date.now() / 1000) * 1000 + 50));
    const res = await call(token); // the server still says active, with the same (now past) exp
    assert.equal(res.status, 401);
    assert.equal(res.reached, false);
    assert.equal(as.calls.filter((c) => c.token === token).length, 2);
  });

  test('single flight: concurrent requests with one new token make one call', async () => {
    const token = opaque();
    as.tokens.set(token, { sub: 'many', exp: inSeconds(60) });
    as.delayMs = 150;
    try {
      const results = await Promise.all(Array.from({ length: 12 }, () => call(token)));
      assert.deepEqual(results.map((r) => r.status), Array(12).fill(200));
    } finally {
      as.delayMs = 0;
    }
    assert.equal(as.calls.filter((c) => c.token === token).length, 1);
  });

  for (const [what, members] of [
    ['`exp` is a string (in the past)', { exp: String(inSeconds(-3600)) }],
    ['`nbf` is null', { nbf: null, exp: inSeconds(60) }],
    ['`iat` is not a number', { iat: 'yesterday', exp: inSeconds(60) }],
  ] as const) {
    test(`an active answer whose ${what} is unusable: 503, nothing reaches the upstream, nothing is cached`, async () => {
      const token = opaque();
      as.tokens.set(token, { sub: 'odd', ...members });
      for (let i = 0; i < 2; i++) {
        const res = await call(token);
        assert.equal(res.status, 503);
        assert.equal(res.body.code, 'PCL_ERR_AUTH_UNAVAILABLE');
        assert.equal(res.reached, false);
      }
      assert.equal(as.calls.filter((c) => c.token === token).length, 2, 'never cached (for maxTtl or at all)');
    });
  }

  test('token_type: an access token passes, a refresh, ID or DPoP token is refused (and cached briefly)', async () => {
    for (const type of ['access_token', 'Bearer', 'bearer', 'ACCESS_TOKEN', 'urn:ietf:params:oauth:token-type:access_token']) {
      const token = opaque();
      as.tokens.set(token, { sub: 'typed', token_type: type, exp: inSeconds(60) });
      assert.equal((await call(token)).status, 200, type);
    }
    for (const type of ['refresh_token', 'id_token', 'DPoP', 'urn:ietf:params:oauth:token-type:refresh_token', 42]) {
      const token = opaque();
      as.tokens.set(token, { sub: 'typed', token_type: type, exp: inSeconds(60) });
      const res = await call(token);
      assert.equal(res.status, 401, String(type));
      assert.equal(res.reached, false);
      assert.equal((await call(token)).status, 401);
      assert.equal(as.calls.filter((c) => c.token === token).length, 1);
    }
  });

  for (const [what, behaviour] of [['answers 500', 500], ['answers 401 (bad client credentials)', 401], ['is too slow', 'slow'], ['answers something else than JSON', 'garbage']] as const) {
    test(`the endpoint ${what}: 503, nothing reaches the upstream, nothing is cached`, async () => {
      const token = opaque();
      as.tokens.set(token, { sub: 'x', exp: inSeconds(60) });
      as.behaviour = behaviour;
      if (behaviour === 'slow') as.delayMs = 600;
      try {
        const res = await call(token);
        assert.equal(res.status, 503);
        assert.equal(res.body.code, 'PCL_ERR_AUTH_UNAVAILABLE');
        assert.equal(res.reached, false);
      } finally {
        as.behaviour = 'ok';
        as.delayMs = 0;
      }
      assert.equal((await call(token)).status, 200, 'the failure was not cached');
    });
  }
});

describe('auth-introspection with the endpoint down, and in auth-schemes', () => {
  test('an endpoint that refuses connections: 503, never a silent allow', async () => {
    const upstream = await startUpstream();
    const gw = await startTestGateway(policyYaml('http://127.0.0.1:1/introspect').replace('UPSTREAM', upstream.url), { 'client.secret': CLIENT_SECRET });
    try {
      const res = await fetch(`${gw.url}/x`, { headers: { authorization: `Bearer ${opaque()}` } });
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_AUTH_UNAVAILABLE');
      assert.equal(upstream.received.length, 0);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });

  test('an oauth2 scheme of the OpenAPI document served by introspection, OR an API key', async () => {
    const upstream = await startUpstream();
    const as = await startIntrospectionServer('portcullis', CLIENT_SECRET);
    const key = 'partner-key-any-shape-0000000000000042';
    const spec = `openapi: 3.0.3
info: { title: t, version: '1' }
paths:
  /orders:
    get:
      operationId: listOrders
      security: [{ oauth: [orders:read] }, { partnerKey: [] }]
      responses: { '200': { description: ok } }
  /admin:
    get:
      operationId: admin
      security: [{ oauth: [admin] }]
      responses: { '200': { description: ok } }
components:
  securitySchemes:
    oauth: { type: oauth2, flows: { clientCredentials: { tokenUrl: 'https://as.example/token', scopes: { orders:read: r, admin: a } } } }
    partnerKey: { type: apiKey, in: header, name: X-Partner-Key }
`;
    const gw = await startTestGateway(`listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: ${upstream.url} } }
apis:
  - name: shop
    spec: spec.yaml
    upstream: backend
    policies:
      auth-schemes:
        bruteForce: { maxFailures: 100000 }
        schemes:
          oauth:
            introspection: { endpoint: ${as.url}, clientId: portcullis, clientSecret: '${CLIENT_SECRET}', audiences: [shop-api], issuer: https://as.example }
          partnerKey:
            apiKey: { format: any, consumers: [{ id: partner, keys: [{ sha256: ${hashApiKey(key)} }] }] }
`, { 'spec.yaml': spec });
    try {
      const good = opaque();
      as.tokens.set(good, { sub: 'svc', client_id: 'reporting', scope: 'orders:read', aud: ['shop-api'], iss: 'https://as.example', exp: inSeconds(60) });
      const otherAudience = opaque();
      as.tokens.set(otherAudience, { sub: 'svc', aud: 'billing-api', iss: 'https://as.example', exp: inSeconds(60) });
      const get = async (path: string, headers: Record<string, string>) => {
        const res = await fetch(`${gw.url}${path}`, { headers });
        await res.body?.cancel();
        return res.status;
      };
      assert.equal(await get('/orders', { authorization: `Bearer ${good}` }), 200);
      assert.equal(upstream.received.at(-1)!.headers['x-consumer-id'], 'reporting');
      assert.equal(await get('/orders', { 'x-partner-key': key }), 200);
      assert.equal(await get('/orders', { authorization: `Bearer ${otherAudience}` }), 401);
      assert.equal(await get('/admin', { authorization: `Bearer ${good}` }), 200);
      assert.equal(await get('/admin', { 'x-partner-key': key }), 401);
      const wrongBearer = await fetch(`${gw.url}/admin`, { headers: { authorization: `Bearer ${opaque()}` } });
      assert.equal(wrongBearer.status, 401);
      assert.match(wrongBearer.headers.get('www-authenticate') ?? '', /^Bearer realm="shop", error="invalid_token"$/);
      assert.equal(upstream.received.length, 3);
    } finally {
      await gw.close();
      await as.close();
      await upstream.close();
    }
  });
});

describe('a JWT scheme OR an introspection scheme on the same bearer token', () => {
  test('an opaque token passes by introspection, a JWT by its signature; one neither accepts is refused once', async () => {
    const upstream = await startUpstream();
    const as = await startIntrospectionServer('portcullis', CLIENT_SECRET);
    const secret = 's'.repeat(32);
    const spec = `openapi: 3.0.3
info: { title: t, version: '1' }
paths:
  /orders:
    get:
      operationId: listOrders
      security: [{ oauth: [] }, { jwtBearer: [] }]
      responses: { '200': { description: ok } }
components:
  securitySchemes:
    oauth: { type: oauth2, flows: { clientCredentials: { tokenUrl: 'https://as.example/token', scopes: {} } } }
    jwtBearer: { type: http, scheme: bearer, bearerFormat: JWT }
`;
    const gw = await startTestGateway(`listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: ${upstream.url} } }
apis:
  - name: shop
    spec: spec.yaml
    upstream: backend
    policies:
      auth-schemes:
        bruteForce: { maxFailures: 100000 }
        schemes:
          oauth:
            introspection: { endpoint: ${as.url}, clientId: portcullis, clientSecret: '${CLIENT_SECRET}', audiences: [shop-api], issuer: https://as.example }
          jwtBearer:
            jwt: { issuers: [{ issuer: https://hmac.test, secret: ${secret}, audiences: [shop-api] }] }
`, { 'spec.yaml': spec });
    try {
      const good = opaque();
      as.tokens.set(good, { sub: 'svc', client_id: 'reporting', aud: ['shop-api'], iss: 'https://as.example', exp: inSeconds(60) });
      const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://hmac.test').setAudience('shop-api').setSubject('user-1').setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(secret));
      const status = async (token: string) => {
        const res = await fetch(`${gw.url}/orders`, { headers: { authorization: `Bearer ${token}` } });
        await res.body?.cancel();
        return res.status;
      };
      assert.equal(await status(good), 200, 'opaque: the JWT scheme cannot read it, introspection accepts it');
      assert.equal(upstream.received.at(-1)!.headers['x-consumer-id'], 'reporting');
      assert.equal(await status(jwt), 200, 'a JWT: its signature is checked (introspection does not know it)');
      assert.equal(upstream.received.at(-1)!.headers['x-auth-subject'], 'user-1');
      const before = upstream.received.length;
      assert.equal(await status(opaque()), 401, 'neither accepts it');
      const forged = `${jwt.slice(0, -4)}AAAA`;
      assert.equal(await status(forged), 401, 'a JWT with a bad signature that introspection does not know');
      assert.equal(upstream.received.length, before);
      await as.close();
      assert.equal(await status(opaque()), 503, 'introspection down: not the caller\'s failure');
      assert.equal(await status(jwt), 200, 'a valid JWT still passes while introspection is down');
    } finally {
      await gw.close();
      await as.close().catch(() => {});
      await upstream.close();
    }
  });
});

describe('auth-introspection acceptTokenTypes', () => {
  test('only the listed token_type values pass (any letter case)', async () => {
    const upstream = await startUpstream();
    const as = await startIntrospectionServer('portcullis', CLIENT_SECRET);
    let gw: TestGateway | undefined;
    try {
      gw = await startTestGateway(policyYaml(as.url, '        acceptTokenTypes: [Access_Token]\n').replace('UPSTREAM', upstream.url), { 'client.secret': CLIENT_SECRET });
      const status = async (type: string) => {
        const token = opaque();
        as.tokens.set(token, { sub: 'typed', token_type: type, exp: inSeconds(60) });
        const res = await fetch(`${gw!.url}/x`, { headers: { authorization: `Bearer ${token}` } });
        await res.body?.cancel();
        return res.status;
      };
      assert.equal(await status('access_token'), 200);
      assert.equal(await status('Bearer'), 401);
    } finally {
      await gw?.close();
      await as.close();
      await upstream.close();
    }
  });
});

describe('auth-introspection client authentication', () => {
  test('client_secret_post and private_key_jwt (a fresh signed assertion per call)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const upstream = await startUpstream();
    const as = await startIntrospectionServer('portcullis', CLIENT_SECRET, 0, publicKey);
    const post = await startTestGateway(policyYaml(as.url, '        clientAuthentication: client_secret_post\n').replace('UPSTREAM', upstream.url), { 'client.secret': CLIENT_SECRET });
    const jwtYaml = policyYaml(as.url, '        clientAuthentication: private_key_jwt\n        privateKey: ./client-key.pem\n').replace('UPSTREAM', upstream.url).replace(/ {8}clientSecret: .*\n/, '');
    const signed = await startTestGateway(jwtYaml, { 'client-key.pem': privateKey.export({ type: 'pkcs8', format: 'pem' }) as string });
    try {
      const t1 = opaque();
      const t2 = opaque();
      as.tokens.set(t1, { sub: 'one', exp: inSeconds(60) });
      as.tokens.set(t2, { sub: 'two', exp: inSeconds(60) });
      assert.equal((await fetch(`${post.url}/x`, { headers: { authorization: `Bearer ${t1}` } })).status, 200);
      assert.deepEqual(as.calls.at(-1), { token: t1, hint: 'access_token', client: 'portcullis', method: 'client_secret_post' });
      for (const token of [t1, t2]) {
        assert.equal((await fetch(`${signed.url}/x`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
        // The server refuses a replayed jti: a second call accepted means a second assertion.
        assert.deepEqual(as.calls.at(-1), { token, hint: 'access_token', client: 'portcullis', method: 'private_key_jwt' });
      }
    } finally {
      await post.close();
      await signed.close();
      await as.close();
      await upstream.close();
    }
  });

  test('a method without what it needs is a configuration error at load', async () => {
    const yaml = policyYaml('http://127.0.0.1:9/introspect').replace('UPSTREAM', 'http://127.0.0.1:9');
    await assert.rejects(startTestGateway(yaml.replace(/ {8}clientSecret: .*\n/, '')), /clientSecret: client_secret_basic needs the client secret/);
    await assert.rejects(startTestGateway(`${yaml}        clientAuthentication: private_key_jwt\n`, { 'client.secret': 'x' }), /privateKey: private_key_jwt needs the client's private key/);
    await assert.rejects(
      startTestGateway(`${yaml.replace(/ {8}clientSecret: .*\n/, '')}        clientAuthentication: private_key_jwt\n        privateKey: ./nope.pem\n`),
      /privateKey: cannot read \.\/nope\.pem \(ENOENT\)/,
    );
  });
});
