// A JWT scheme and an introspection scheme reading the same bearer token, through a running gateway
// with a real upstream, a real local JWKS endpoint and a real introspection endpoint. A JWT of an
// issuer the JWT scheme knows is that scheme's alone to judge: never sent to the introspection
// endpoint, and refused when the JWT scheme refuses it, whatever the authorization server says.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startIntrospectionServer, type IntrospectionServer } from './helpers/introspection-server.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const ISS = 'https://as.test';
const CLIENT_SECRET = 'cs';
const inSeconds = (s: number) => Math.floor(Date.now() / 1000) + s;
const opaque = () => randomBytes(24).toString('base64url');

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

async function startJwks(pair: KeyPair): Promise<{ url: string; close(): Promise<void> }> {
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

const yaml = (upstream: string, jwksUrl: string, endpoint: string, introspectionExtra = '') => `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: ${upstream} } }
apis:
  - name: shop
    upstream: backend
    routes: [{ path: /*, operationId: all }]
    policies:
      auth-schemes:
        bruteForce: { maxFailures: 100000 }
        require: [[opaque], [bearer]]
        schemes:
          opaque: { introspection: { endpoint: ${endpoint}, clientId: portcullis, clientSecret: ${CLIENT_SECRET}, timeout: 5s${introspectionExtra} } }
          bearer:
            jwt:
              issuers:
                - { issuer: ${ISS}, jwksUrl: ${jwksUrl}, audiences: [shop], algorithms: [RS256], maxAge: 10m, requiredClaims: [sub] }
`;

describe('a JWT scheme and an introspection scheme on one bearer token', () => {
  let upstream: TestUpstream;
  let as: IntrospectionServer;
  let pair: KeyPair;
  let jwks: Awaited<ReturnType<typeof startJwks>>;
  let gw: TestGateway;

  /** A JWT of the configured issuer, valid for the JWT scheme unless `claims` say otherwise. */
  const sign = (claims: JWTPayload = {}) =>
    new SignJWT({ sub: 'alice', scope: 'orders:read', iss: ISS, aud: 'shop', iat: inSeconds(0), exp: inSeconds(300), ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .sign(pair.privateKey);

  before(async () => {
    upstream = await startUpstream();
    as = await startIntrospectionServer('portcullis', CLIENT_SECRET);
    pair = await generateKeyPair('RS256', { extractable: true });
    jwks = await startJwks(pair);
    gw = await startTestGateway(yaml(upstream.url, jwks.url, as.url));
  });
  after(async () => {
    await gw?.close();
    await as?.close();
    await jwks?.close();
    await upstream?.close();
  });

  async function call(token: string, g = gw): Promise<{ status: number; subject: string | undefined; asked: number }> {
    const before = upstream.received.length;
    const calls = as.calls.length;
    const res = await fetch(`${g.url}/orders`, { headers: { authorization: `Bearer ${token}` } });
    await res.body?.cancel();
    const reached = upstream.received.length > before;
    return { status: res.status, subject: reached ? (upstream.received.at(-1)!.headers['x-auth-subject'] as string) : undefined, asked: as.calls.slice(calls).filter((c) => c.token === token).length };
  }

  test('a valid JWT of the configured issuer passes by its signature; the introspection endpoint never sees it', async () => {
    const token = await sign();
    assert.deepEqual(await call(token), { status: 200, subject: 'alice', asked: 0 });
  });

  test('a valid JWT does not wait for a slow introspection endpoint', async () => {
    as.delayMs = 2000;
    try {
      const token = await sign({ sub: 'carol' });
      const t0 = performance.now();
      assert.deepEqual(await call(token), { status: 200, subject: 'carol', asked: 0 });
      assert.ok(performance.now() - t0 < 1000, `took ${performance.now() - t0} ms`);
    } finally {
      as.delayMs = 0;
    }
  });

  test('a JWT the JWT scheme refuses is refused, even when the authorization server says active', async () => {
    const hsKey = new TextEncoder().encode('h'.repeat(32));
    const refusedByJwtScheme: [string, string][] = [
      ['another audience', await sign({ aud: 'payroll' })],
      ['older than maxAge', await sign({ iat: inSeconds(-7200) })],
      ['without a required claim (sub)', await sign({ sub: undefined })],
      ['an algorithm not allowed (HS256)', await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISS).setAudience('shop').setIssuedAt().setExpirationTime('5m').sign(hsKey)],
      ['a bad signature', `${(await sign()).slice(0, -6)}AAAAAA`],
    ];
    for (const [what, token] of refusedByJwtScheme) {
      as.tokens.set(token, { sub: 'mallory', iss: ISS, aud: 'shop', scope: 'payroll:read', exp: inSeconds(3600) });
      assert.deepEqual(await call(token), { status: 401, subject: undefined, asked: 0 }, what);
    }
  });

  test('opaque tokens and JWTs of other issuers still go to introspection', async () => {
    const token = opaque();
    as.tokens.set(token, { sub: 'svc', exp: inSeconds(60) });
    assert.deepEqual(await call(token), { status: 200, subject: 'svc', asked: 1 });
    const other = await generateKeyPair('ES256');
    const thirdParty = await new SignJWT({ sub: 'bob' }).setProtectedHeader({ alg: 'ES256' }).setIssuer('https://other.test').setAudience('x').setExpirationTime('5m').sign(other.privateKey);
    assert.deepEqual(await call(thirdParty), { status: 401, subject: undefined, asked: 1 }, 'unknown to the AS: refused');
    const known = await new SignJWT({ sub: 'dave' }).setProtectedHeader({ alg: 'ES256' }).setIssuer('https://other.test').setAudience('x').setExpirationTime('5m').sign(other.privateKey);
    as.tokens.set(known, { sub: 'dave', exp: inSeconds(60) });
    assert.deepEqual(await call(known), { status: 200, subject: 'dave', asked: 1 }, 'a JWT the AS issued (another iss) is introspected');
  });

  test('introspectJwts: never — no JWT-shaped token is sent; opaque ones are', async () => {
    const g = await startTestGateway(yaml(upstream.url, jwks.url, as.url, ', introspectJwts: never'));
    try {
      const other = await generateKeyPair('ES256');
      const thirdParty = await new SignJWT({ sub: 'erin' }).setProtectedHeader({ alg: 'ES256' }).setIssuer('https://other.test').setAudience('x').setExpirationTime('5m').sign(other.privateKey);
      as.tokens.set(thirdParty, { sub: 'erin', exp: inSeconds(60) });
      assert.deepEqual(await call(thirdParty, g), { status: 401, subject: undefined, asked: 0 });
      assert.deepEqual(await call(await sign({ sub: 'frank' }), g), { status: 200, subject: 'frank', asked: 0 });
      const token = opaque();
      as.tokens.set(token, { sub: 'svc2', exp: inSeconds(60) });
      assert.deepEqual(await call(token, g), { status: 200, subject: 'svc2', asked: 1 });
    } finally {
      await g.close();
    }
  });

  test('introspectJwts: always — a JWT of the configured issuer must pass both (a revocation check)', async () => {
    const g = await startTestGateway(yaml(upstream.url, jwks.url, as.url, ', introspectJwts: always'));
    try {
      const live = await sign({ sub: 'gina' });
      as.tokens.set(live, { sub: 'gina', exp: inSeconds(60) });
      assert.deepEqual(await call(live, g), { status: 200, subject: 'gina', asked: 1 });
      assert.deepEqual(await call(await sign({ sub: 'revoked' }), g), { status: 401, subject: undefined, asked: 1 }, 'valid signature, inactive at the AS');
      const wrongAud = await sign({ aud: 'payroll' });
      as.tokens.set(wrongAud, { sub: 'mallory', exp: inSeconds(60) });
      assert.equal((await call(wrongAud, g)).status, 401, 'active at the AS, refused by the JWT scheme');
    } finally {
      await g.close();
    }
  });
});

describe('auth-introspection alone with introspectJwts: never', () => {
  test('a JWT-shaped token is refused without a call; an opaque one is introspected', async () => {
    const upstream = await startUpstream();
    const as = await startIntrospectionServer('portcullis', CLIENT_SECRET);
    const gw = await startTestGateway(`listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: ${upstream.url} } }
apis:
  - name: shop
    upstream: backend
    routes: [{ path: /*, operationId: all }]
    policies:
      auth-introspection: { endpoint: ${as.url}, clientId: portcullis, clientSecret: ${CLIENT_SECRET}, introspectJwts: never }
`).catch(async (error: unknown) => {
      await as.close();
      await upstream.close();
      throw error;
    });
    try {
      const jwt = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISS).setExpirationTime('5m').sign(new TextEncoder().encode('k'.repeat(32)));
      as.tokens.set(jwt, { sub: 'x', exp: inSeconds(60) });
      const token = opaque();
      as.tokens.set(token, { sub: 'y', exp: inSeconds(60) });
      const status = async (t: string) => {
        const res = await fetch(`${gw.url}/x`, { headers: { authorization: `Bearer ${t}` } });
        await res.body?.cancel();
        return res.status;
      };
      assert.equal(await status(jwt), 401);
      assert.equal(await status(token), 200);
      assert.deepEqual(as.calls.map((c) => c.token), [token]);
    } finally {
      await gw.close();
      await as.close();
      await upstream.close();
    }
  });
});
