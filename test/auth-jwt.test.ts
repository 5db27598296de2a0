// The JWT attack suite against a running gateway: real issuer keys, a real JWKS endpoint (that can go
// down, slow or rotate), a real upstream. Every refusal asserts the exact status, the problem
// document and that nothing reached the upstream.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { startTestGateway, passthroughYaml, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
const ISS = 'https://issuer.test';
const AUD = 'orders-api';
const SECRET = 'a-test-hmac-secret-of-at-least-32-bytes!!';

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

interface Jwks {
  readonly url: string;
  readonly hits: string[];
  keys: JWK[];
  mode: 'ok' | 'down' | 'error';
  delayMs: number;
  maxAge: number | undefined;
  discoveryIssuer: string;
  close(): Promise<void>;
}

/** A JWKS endpoint under test control; records every path requested. */
async function startJwks(keys: JWK[]): Promise<Jwks> {
  const state = { hits: [] as string[], keys, mode: 'ok' as Jwks['mode'], delayMs: 0, maxAge: undefined as number | undefined, discoveryIssuer: ISS };
  const server: Server = createServer((req, res) => {
    state.hits.push(req.url ?? '');
    const answer = (): void => {
      if (req.url === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ issuer: state.discoveryIssuer, jwks_uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json` }));
        return;
      }
      if (state.mode === 'down') {
        res.destroy();
        return;
      }
      if (state.mode === 'error') {
        res.writeHead(500).end('oops');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', ...(state.maxAge === undefined ? {} : { 'cache-control': `max-age=${state.maxAge}` }) });
      res.end(JSON.stringify({ keys: state.keys }));
    };
    if (state.delayMs) setTimeout(answer, state.delayMs).unref();
    else answer();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  return Object.assign(state, {
    url,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  });
}

async function keyPair(kid: string): Promise<{ pair: KeyPair; jwk: JWK }> {
  const pair = await generateKeyPair('RS256', { extractable: true });
  return { pair, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

function sign(pair: KeyPair, kid: string, claims: JWTPayload = {}, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ scope: 'orders:read orders:write', roles: ['user'], ...claims })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT', ...header })
    .setIssuer(ISS)
    .setAudience(AUD)
    .setSubject('user-42')
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(pair.privateKey);
}

function jwtYaml(jwksUrl: string, opts: { jwks?: string; bruteForce?: string; extraIssuers?: string; limits?: string } = {}): string {
  return passthroughYaml(
    'http://127.0.0.1:1',
    `    policies:
      auth-jwt:
        bruteForce: ${opts.bruteForce ?? '{ maxFailures: 100000 }'}
        issuers:
          - issuer: ${ISS}
            jwksUrl: ${jwksUrl}
            audiences: [${AUD}]
            algorithms: [RS256]
            jwks: ${opts.jwks ?? '{ cooldown: 0ms }'}
${opts.extraIssuers ?? ''}
  - name: open
    upstream: backend
    routes:
      - path: /open/*
        operationId: open
${opts.limits ?? ''}`,
  );
}

/** The gateway config points at a fake upstream URL above; patch it to the real one. */
async function gatewayFor(upstream: TestUpstream, yaml: string): Promise<TestGateway> {
  return startTestGateway(yaml.replace('http://127.0.0.1:1', upstream.url));
}

async function refused(upstream: TestUpstream, response: Promise<Response>, status: number): Promise<{ body: Record<string, unknown>; headers: Headers }> {
  const before = upstream.received.length;
  const res = await response;
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  assert.equal(upstream.received.length, before, 'the request reached the upstream');
  return { body, headers: res.headers };
}

const bearer = (token: string, extra: Record<string, string> = {}) => ({ headers: { authorization: `Bearer ${token}`, ...extra } });

describe('auth-jwt through the gateway', () => {
  let upstream: TestUpstream;
  let jwks: Jwks;
  let gw: TestGateway;
  let good: { pair: KeyPair; jwk: JWK };
  let attacker: { pair: KeyPair; jwk: JWK };
  let attackerJwks: Jwks;

  before(async () => {
    upstream = await startUpstream();
    good = await keyPair('k1');
    attacker = await keyPair('evil');
    jwks = await startJwks([good.jwk]);
    attackerJwks = await startJwks([attacker.jwk]);
    gw = await gatewayFor(
      upstream,
      jwtYaml(jwks.url, {
        extraIssuers: `          - issuer: https://hmac.test
            secret: ${SECRET}
            audiences: [${AUD}]
            claims: { roles: realm_access.roles, consumerId: azp }
`,
      }),
    );
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
    await jwks?.close();
    await attackerJwks?.close();
  });

  test('a valid token passes; identity headers reach the upstream and forged ones never do', async () => {
    const token = await sign(good.pair, 'k1');
    const res = await fetch(`${gw.url}/orders`, bearer(token, { 'x-consumer-id': 'admin', 'x-auth-subject': 'root', 'X-Auth-Scopes': 'admin' }));
    assert.equal(res.status, 200);
    const seen = upstream.received.at(-1)!;
    assert.equal(seen.headers['x-auth-subject'], 'user-42');
    assert.equal(seen.headers['x-auth-scopes'], 'orders:read orders:write');
    assert.equal(seen.headers['x-consumer-id'], undefined);
    assert.equal(seen.rawHeaders.filter((h) => /^x-auth-subject$/i.test(h)).length, 1);
    // Another API of the same gateway, without authentication: the forged headers are stripped too.
    const open = await fetch(`${gw.url}/open/x`, { headers: { 'x-consumer-id': 'admin', 'x-auth-subject': 'root', 'x-auth-scopes': 'admin' } });
    assert.equal(open.status, 200);
    const plain = upstream.received.at(-1)!.headers;
    assert.equal(plain['x-consumer-id'], undefined);
    assert.equal(plain['x-auth-subject'], undefined);
    assert.equal(plain['x-auth-scopes'], undefined);
  });

  test('a repeated token is served from the verified-token cache', async () => {
    const token = await sign(good.pair, 'k1', { jti: 'repeat' });
    for (let i = 0; i < 5; i++) assert.equal((await fetch(`${gw.url}/r`, bearer(token))).status, 200);
  });

  test('no credentials: 401 with a bare Bearer challenge', async () => {
    const { body, headers } = await refused(upstream, fetch(`${gw.url}/orders`), 401);
    assert.equal(body.code, 'PCL_ERR_UNAUTHENTICATED');
    assert.equal(headers.get('www-authenticate'), 'Bearer realm="api"');
  });

  test('alg "none" in every casing is refused', async () => {
    const payload = { iss: ISS, aud: AUD, sub: 'admin', exp: now() + 600, iat: now() };
    for (const alg of ['none', 'None', 'NONE', 'nOnE', 'NoNe']) {
      for (const sig of ['', 'AAAA']) {
        const token = `${b64({ alg, typ: 'JWT', kid: 'k1' })}.${b64(payload)}.${sig}`;
        const { headers } = await refused(upstream, fetch(`${gw.url}/orders`, bearer(token)), 401);
        assert.equal(headers.get('www-authenticate'), 'Bearer realm="api", error="invalid_token"');
      }
    }
  });

  test('RS256 → HS256 confusion: a token signed with the public key as HMAC secret is refused', async () => {
    const pem = await exportSPKI(good.pair.publicKey);
    for (const secret of [pem, pem.trim(), JSON.stringify(good.jwk)]) {
      const token = await new SignJWT({ scope: 'admin' })
        .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
        .setIssuer(ISS)
        .setAudience(AUD)
        .setSubject('admin')
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode(secret));
      await refused(upstream, fetch(`${gw.url}/orders`, bearer(token)), 401);
    }
  });

  test('stripped, altered and foreign signatures are refused', async () => {
    const token = await sign(good.pair, 'k1');
    const [h, p, s] = token.split('.') as [string, string, string];
    const flipped = `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    for (const bad of [`${h}.${p}.`, `${h}.${p}`, `${h}.${p}.${flipped}`, `${h}.${p}.${s.slice(0, -4)}`, `${h}.${p}.${s}.${s}`]) {
      await refused(upstream, fetch(`${gw.url}/orders`, bearer(bad)), 401);
    }
    // Signed by another key that claims the same kid.
    await refused(upstream, fetch(`${gw.url}/orders`, bearer(await sign(attacker.pair, 'k1'))), 401);
  });

  test('a payload edited without re-signing is refused', async () => {
    const token = await sign(good.pair, 'k1');
    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    for (const edit of [{ sub: 'admin' }, { scope: 'admin' }, { exp: now() + 86400 * 365 }, { roles: ['admin'] }]) {
      await refused(upstream, fetch(`${gw.url}/orders`, bearer(`${h}.${b64({ ...claims, ...edit })}.${s}`)), 401);
    }
  });

  test('expired, not yet valid, issued in the future, wrong iss, wrong aud, no exp: 401', async () => {
    const cases = [
      new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISS).setAudience(AUD).setSubject('u').setIssuedAt(now() - 7200).setExpirationTime(now() - 3600),
      new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISS).setAudience(AUD).setSubject('u').setIssuedAt().setNotBefore(now() + 3600).setExpirationTime('2h'),
      new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISS).setAudience(AUD).setSubject('u').setIssuedAt(now() + 3600).setExpirationTime('2h'),
      new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer('https://evil.test').setAudience(AUD).setSubject('u').setIssuedAt().setExpirationTime('1h'),
      new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(`${ISS}/`).setAudience(AUD).setSubject('u').setIssuedAt().setExpirationTime('1h'),
      new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISS).setAudience('other-api').setSubject('u').setIssuedAt().setExpirationTime('1h'),
      new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISS).setSubject('u').setIssuedAt().setExpirationTime('1h'),
      new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISS).setAudience(AUD).setSubject('u').setIssuedAt(),
    ];
    const bodies = new Set<string>();
    for (const jwt of cases) {
      const { body } = await refused(upstream, fetch(`${gw.url}/orders`, bearer(await jwt.sign(good.pair.privateKey))), 401);
      delete body.requestId;
      bodies.add(JSON.stringify(body));
    }
    // The same body whatever the reason: no oracle.
    assert.equal(bodies.size, 1, [...bodies].join('\n'));
  });

  test('kid path traversal and SQL: refused, and the JWKS URL is never built from the kid', async () => {
    const hitsBefore = jwks.hits.length;
    for (const kid of ['../../../../etc/passwd', '/dev/null', "' OR '1'='1", "k1' UNION SELECT 'secret' --", 'k1\u0000', '%2e%2e%2fkeys']) {
      await refused(upstream, fetch(`${gw.url}/orders`, bearer(await sign(attacker.pair, kid))), 401);
    }
    assert.ok(jwks.hits.slice(hitsBefore).every((p) => p === '/jwks.json'), jwks.hits.join(' '));
  });

  test('jku and x5u pointing elsewhere are ignored: refused, and never fetched', async () => {
    const x5u = attackerJwks.url.replace('jwks.json', 'cert.pem');
    for (const header of [{ jku: attackerJwks.url }, { x5u }, { jku: attackerJwks.url, x5u }, { jwk: attacker.jwk }]) {
      await refused(upstream, fetch(`${gw.url}/orders`, bearer(await sign(attacker.pair, 'evil', {}, header))), 401);
    }
    assert.deepEqual(attackerJwks.hits, []);
  });

  test('an unknown crit header parameter is refused', async () => {
    // jose will not even sign these: sign by hand.
    const payload = { iss: ISS, aud: AUD, sub: 'u', iat: now(), exp: now() + 600 };
    // b64 too: jose understands it by itself, but no crit at all is accepted.
    for (const extra of [{ crit: ['x-must-understand'], 'x-must-understand': true }, { crit: ['exp'] }, { crit: [] }, { crit: 'x' }, { crit: ['b64'], b64: true }]) {
      const input = `${b64({ alg: 'RS256', kid: 'k1', ...extra })}.${b64(payload)}`;
      const signature = Buffer.from(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', good.pair.privateKey, Buffer.from(input))).toString('base64url');
      await refused(upstream, fetch(`${gw.url}/orders`, bearer(`${input}.${signature}`)), 401);
    }
    // The same construction without crit passes: the refusals above are about crit alone.
    const input = `${b64({ alg: 'RS256', kid: 'k1' })}.${b64(payload)}`;
    const signature = Buffer.from(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', good.pair.privateKey, Buffer.from(input))).toString('base64url');
    assert.equal((await fetch(`${gw.url}/orders`, bearer(`${input}.${signature}`))).status, 200);
  });

  test('a 1 MB token is refused at the listener (431), a 10 kB one by the policy (401)', async () => {
    const before = upstream.received.length;
    const big = `${'a'.repeat(1024 * 1024)}.b.c`;
    const res = await fetch(`${gw.url}/orders`, bearer(big));
    assert.equal(res.status, 431);
    await res.body?.cancel();
    assert.equal(upstream.received.length, before);
    // Below the listener's header limit but above the policy's maxTokenLength (8kb): refused unread.
    const token = await sign(good.pair, 'k1', { pad: 'x'.repeat(10 * 1024) });
    await refused(upstream, fetch(`${gw.url}/orders`, bearer(token)), 401);
    // JWE (5 parts) and garbage are malformed.
    await refused(upstream, fetch(`${gw.url}/orders`, bearer('a.b.c.d.e')), 401);
    await refused(upstream, fetch(`${gw.url}/orders`, bearer('not-a-token')), 401);
    await refused(upstream, fetch(`${gw.url}/orders`, { headers: { authorization: 'Bearer ' } }), 401);
  });

  test('several issuers: HS256 only for the issuer with a secret; claims mapped by path', async () => {
    const hmac = (iss: string) =>
      new SignJWT({ scp: ['a', 'b'], realm_access: { roles: ['ops'] }, azp: 'client-7' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(iss)
        .setAudience(AUD)
        .setSubject('svc')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(SECRET));
    const res = await fetch(`${gw.url}/h`, bearer(await hmac('https://hmac.test')));
    assert.equal(res.status, 200);
    const seen = upstream.received.at(-1)!.headers;
    assert.equal(seen['x-consumer-id'], 'client-7');
    assert.equal(seen['x-auth-scopes'], 'a b');
    // The same secret cannot sign for the JWKS issuer.
    await refused(upstream, fetch(`${gw.url}/h`, bearer(await hmac(ISS))), 401);
  });
});

describe('JWKS availability', () => {
  let upstream: TestUpstream;
  before(async () => {
    upstream = await startUpstream();
  });
  after(() => upstream?.close());

  test('JWKS endpoint down after the first fetch: cached keys keep serving (no 5xx, no 401)', async () => {
    const k = await keyPair('k1');
    const jwks = await startJwks([k.jwk]);
    const gw = await gatewayFor(upstream, jwtYaml(jwks.url, { jwks: '{ minTtl: 20ms, defaultTtl: 20ms, cooldown: 0ms, timeout: 500ms }' }));
    try {
      assert.equal((await fetch(`${gw.url}/a`, bearer(await sign(k.pair, 'k1')))).status, 200);
      for (const mode of ['down', 'error'] as const) {
        jwks.mode = mode;
        for (let i = 0; i < 5; i++) {
          await new Promise((r) => setTimeout(r, 30));
          const res = await fetch(`${gw.url}/a`, bearer(await sign(k.pair, 'k1', { jti: `${mode}${i}` })));
          assert.equal(res.status, 200);
        }
      }
      assert.ok(jwks.hits.length > 2, 'the gateway kept trying to refresh');
    } finally {
      await gw.close();
      await jwks.close();
    }
  });

  test('JWKS endpoint slow: stale keys answer at once while the refresh waits', async () => {
    const k = await keyPair('k1');
    const jwks = await startJwks([k.jwk]);
    const gw = await gatewayFor(upstream, jwtYaml(jwks.url, { jwks: '{ minTtl: 20ms, defaultTtl: 20ms, cooldown: 0ms, timeout: 300ms }' }));
    try {
      assert.equal((await fetch(`${gw.url}/a`, bearer(await sign(k.pair, 'k1')))).status, 200);
      jwks.delayMs = 2000;
      await new Promise((r) => setTimeout(r, 30));
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        const res = await fetch(`${gw.url}/a`, bearer(await sign(k.pair, 'k1', { jti: `slow${i}` })));
        assert.equal(res.status, 200);
        assert.ok(performance.now() - started < 250, 'a request waited for the slow JWKS endpoint');
      }
    } finally {
      await gw.close();
      await jwks.close();
    }
  });

  test('JWKS slow but within the timeout on the first request: the request waits and passes', async () => {
    const k = await keyPair('k1');
    const jwks = await startJwks([k.jwk]);
    jwks.delayMs = 300;
    const gw = await gatewayFor(upstream, jwtYaml(jwks.url, { jwks: '{ timeout: 2s, cooldown: 0ms }' }));
    try {
      const results = await Promise.all(Array.from({ length: 5 }, async (_, i) => (await fetch(`${gw.url}/a`, bearer(await sign(k.pair, 'k1', { jti: `w${i}` })))).status));
      assert.deepEqual(results, [200, 200, 200, 200, 200]);
      assert.equal(jwks.hits.length, 1, 'single flight: one fetch for all');
    } finally {
      await gw.close();
      await jwks.close();
    }
  });

  test('JWKS unreachable from the start: tokens are refused (401, fail closed), never a 5xx', async () => {
    const k = await keyPair('k1');
    const jwks = await startJwks([k.jwk]);
    jwks.mode = 'down';
    const gw = await gatewayFor(upstream, jwtYaml(jwks.url, { jwks: '{ timeout: 300ms, cooldown: 0ms }' }));
    try {
      for (let i = 0; i < 3; i++) await refused(upstream, fetch(`${gw.url}/a`, bearer(await sign(k.pair, 'k1', { jti: `d${i}` }))), 401);
      // ...and it recovers when the endpoint comes back.
      jwks.mode = 'ok';
      assert.equal((await fetch(`${gw.url}/a`, bearer(await sign(k.pair, 'k1', { jti: 'back' })))).status, 200);
    } finally {
      await gw.close();
      await jwks.close();
    }
  });

  test('keys rotating mid-traffic: no 5xx, and no 401 for tokens of the new key', async () => {
    const k1 = await keyPair('k1');
    const k2 = await keyPair('k2');
    const jwks = await startJwks([k1.jwk]);
    jwks.maxAge = 3600; // the gateway would not refetch on its own for an hour
    const gw = await gatewayFor(upstream, jwtYaml(jwks.url, { jwks: '{ cooldown: 50ms }' }));
    try {
      let current = k1;
      let currentKid = 'k1';
      let stop = false;
      const statuses: number[] = [];
      const afterRotation: number[] = [];
      let rotated = false;
      const worker = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const kid = currentKid;
          const wasRotated = rotated;
          const token = await sign(current.pair, kid, { jti: `${w}-${i}` });
          const res = await fetch(`${gw.url}/t`, bearer(token));
          await res.body?.cancel();
          statuses.push(res.status);
          if (wasRotated) afterRotation.push(res.status);
        }
      };
      const workers = [0, 1, 2, 3].map(worker);
      await new Promise((r) => setTimeout(r, 150));
      // The issuer publishes the new key, then signs with it (and later drops the old one).
      jwks.keys = [k1.jwk, k2.jwk];
      current = k2;
      currentKid = 'k2';
      rotated = true;
      await new Promise((r) => setTimeout(r, 150));
      jwks.keys = [k2.jwk];
      await new Promise((r) => setTimeout(r, 150));
      stop = true;
      await Promise.all(workers);
      assert.ok(statuses.length > 20);
      assert.ok(afterRotation.length > 5);
      assert.deepEqual([...new Set(statuses)], [200], `statuses: ${[...new Set(statuses)].join(',')}`);
    } finally {
      await gw.close();
      await jwks.close();
    }
  });
});

describe('OpenID Connect discovery', () => {
  test('the JWKS URL comes from the discovery document, which must name the issuer', async () => {
    const upstream = await startUpstream();
    const k = await keyPair('k1');
    const jwks = await startJwks([k.jwk]);
    const yaml = (url: string) => jwtYaml(url).replace(`jwksUrl: ${url}`, `discovery: ${url.replace('/jwks.json', '/.well-known/openid-configuration')}`);
    const gw = await gatewayFor(upstream, yaml(jwks.url));
    try {
      assert.equal((await fetch(`${gw.url}/d`, bearer(await sign(k.pair, 'k1')))).status, 200);
      assert.deepEqual(jwks.hits.slice(0, 2), ['/.well-known/openid-configuration', '/jwks.json']);
    } finally {
      await gw.close();
    }
    // A discovery document for another issuer is not believed.
    const other = await startJwks([k.jwk]);
    other.discoveryIssuer = 'https://impostor.test';
    const gw2 = await gatewayFor(upstream, yaml(other.url));
    try {
      await refused(upstream, fetch(`${gw2.url}/d`, bearer(await sign(k.pair, 'k1'))), 401);
      assert.ok(!other.hits.includes('/jwks.json'));
    } finally {
      await gw2.close();
      await jwks.close();
      await other.close();
      await upstream.close();
    }
  });
});

describe('brute force', () => {
  test('failed attempts per client address lead to a temporary lockout (429 + Retry-After), even for a valid token', async () => {
    const upstream = await startUpstream();
    const k = await keyPair('k1');
    const jwks = await startJwks([k.jwk]);
    const gw = await gatewayFor(upstream, jwtYaml(jwks.url, { bruteForce: '{ maxFailures: 3, window: 1m, lockout: 2s }' }));
    try {
      const bad = `${b64({ alg: 'none' })}.${b64({ iss: ISS })}.`;
      for (let i = 0; i < 3; i++) await refused(upstream, fetch(`${gw.url}/x`, bearer(bad)), 401);
      const { body, headers } = await refused(upstream, fetch(`${gw.url}/x`, bearer(await sign(k.pair, 'k1'))), 429);
      assert.equal(body.code, 'PCL_ERR_TOO_MANY_AUTH_FAILURES');
      assert.ok(Number(headers.get('retry-after')) >= 1);
      // Calls without credentials to another API are not affected.
      assert.equal((await fetch(`${gw.url}/open/x`)).status, 200);
      await new Promise((r) => setTimeout(r, 2100));
      assert.equal((await fetch(`${gw.url}/x`, bearer(await sign(k.pair, 'k1', { jti: 'later' })))).status, 200);
    } finally {
      await gw.close();
      await jwks.close();
      await upstream.close();
    }
  });
});

describe('the JWT benchmark config', () => {
  test('examples/bench-jwt.yaml accepts the token of bench/make-jwt.ts and refuses others', async () => {
    const { startGateway } = await import('../src/server/gateway.ts');
    const { makeBenchJwt } = await import('../bench/make-jwt.ts');
    const pino = (await import('pino')).default;
    const upstream = await startUpstream();
    const gateway = await startGateway({
      configPath: new URL('../examples/bench-jwt.yaml', import.meta.url).pathname,
      logger: pino({ level: 'silent' }),
      env: { ...process.env, UPSTREAM_URL: upstream.url, PORT: '0', ADMIN_PORT: '0' },
    });
    try {
      const url = `${gateway.urls[0]!.url}/small`;
      const res = await fetch(url, bearer(await makeBenchJwt(60)));
      assert.equal(res.status, 200);
      assert.equal(upstream.received.at(-1)!.headers['x-auth-subject'], 'bench-user');
      await refused(upstream, fetch(url), 401);
      await refused(upstream, fetch(url, bearer(await makeBenchJwt(-120))), 401);
    } finally {
      await gateway.shutdown();
      await upstream.close();
    }
  });
});
