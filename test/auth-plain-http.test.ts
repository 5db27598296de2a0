// Key and token endpoints over plain http://: refused at config load for a non-loopback host unless
// the scheme sets allowInsecureHttp (then a warning is logged); loopback stays allowed. A discovery
// document fetched over https that names an http jwks_uri is refused when it is read (fail closed).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import pino, { type Logger } from 'pino';
import { Agent, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { makePki } from './helpers/certs.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream } from './helpers/upstream.ts';

const base = (policy: string) => `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: http://127.0.0.1:9 } }
apis:
  - name: shop
    upstream: backend
    routes: [{ path: /*, operationId: all }]
    policies:
${policy}`;

const jwtPolicy = (source: string, extra = '') => `      auth-jwt:
        issuers: [{ issuer: http://idp.example, ${source}, audiences: [shop]${extra} }]
`;
const introspectionPolicy = (endpoint: string, extra = '') => `      auth-introspection: { endpoint: '${endpoint}', clientId: portcullis, clientSecret: cs${extra} }
`;
const schemesPolicy = (endpoint: string) => `      auth-schemes:
        schemes:
          oauth: { introspection: { endpoint: ${endpoint}, clientId: portcullis, clientSecret: cs } }
`;

/** A logger whose lines the test can read. */
function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

describe('plain http:// to a non-loopback host', () => {
  for (const [what, policy, message] of [
    ['jwksUrl', jwtPolicy('jwksUrl: http://idp.example/jwks.json'), /issuers\[0\]\.jwksUrl: plain http:\/\/ to idp\.example \(not loopback\).*allowInsecureHttp: true/],
    ['a discovery URL', jwtPolicy('discovery: http://idp.example/.well-known/openid-configuration'), /issuers\[0\]\.discovery: plain http:\/\/ to idp\.example/],
    ['discovery: true on an http issuer', jwtPolicy('discovery: true'), /issuers\[0\]\.discovery: plain http:\/\/ to idp\.example/],
    ['an introspection endpoint', introspectionPolicy('http://10.1.2.3:8080/introspect'), /endpoint: plain http:\/\/ to 10\.1\.2\.3:8080/],
    ['an introspection scheme of auth-schemes', schemesPolicy('http://as.example/introspect'), /schemes\.oauth\.introspection\.endpoint: plain http:\/\/ to as\.example/],
  ] as const) {
    test(`${what}: refused at load`, async () => {
      await assert.rejects(startTestGateway(base(policy)), message);
    });
  }

  test('allowInsecureHttp: true loads, with a warning naming the option and host', async () => {
    for (const policy of [jwtPolicy('jwksUrl: http://idp.example/jwks.json', ', allowInsecureHttp: true, jwks: { timeout: 100ms }'), introspectionPolicy('http://as.example/introspect', ', allowInsecureHttp: true')]) {
      const { logger, lines } = capture();
      const gw = await startTestGateway(base(policy), {}, process.env, logger);
      await gw.close();
      const warning = lines.find((l) => l.msg === 'allowInsecureHttp: keys or tokens travel over plain http to a non-loopback host');
      assert.ok(warning, JSON.stringify(lines.map((l) => l.msg)));
      assert.equal(warning.level, 40);
      assert.match(String(warning.host), /^(idp|as)\.example$/);
    }
  });

  test('loopback hosts stay allowed without it (localhost, 127.0.0.0/8, [::1]) and https is always fine', async () => {
    for (const url of ['http://localhost:9/introspect', 'http://127.0.0.2:9/introspect', 'http://[::1]:9/introspect', 'https://as.example/introspect']) {
      const gw = await startTestGateway(base(introspectionPolicy(url)));
      await gw.close();
    }
  });
});

describe('a jwks_uri named by a discovery document', () => {
  test('over https, a plain http jwks_uri is refused when read (401, never fetched); an https one works', async () => {
    const pki = makePki();
    const pair = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
    const hits: string[] = [];
    let jwksUri = '';
    const tls: HttpsServer = createHttpsServer({ cert: pki.cert, key: pki.key }, (req, res) => {
      hits.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.url === '/jwks.json' ? { keys: [jwk] } : { issuer: 'https://idp.test', jwks_uri: jwksUri }));
    });
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    const origin = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
    const httpOrigin = origin.replace('https:', 'http:'); // the same port; never fetched
    const upstream = await startUpstream();
    // The gateway fetches with the process-wide dispatcher: make it trust the test CA for this test.
    const previous = getGlobalDispatcher();
    setGlobalDispatcher(new Agent({ connect: { ca: pki.caCert } }));
    const token = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://idp.test').setAudience('shop').setExpirationTime('5m').sign(pair.privateKey);
    const yaml = (path: string) => `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: ${upstream.url} } }
apis:
  - name: shop
    upstream: backend
    routes: [{ path: /*, operationId: all }]
    policies:
      auth-jwt:
        bruteForce: { maxFailures: 100000 }
        issuers: [{ issuer: https://idp.test, discovery: ${origin}${path}, audiences: [shop], jwks: { cooldown: 0ms } }]
`;
    try {
      jwksUri = `${httpOrigin}/jwks.json`;
      const { logger, lines } = capture();
      const downgraded = await startTestGateway(yaml('/downgrade/.well-known/openid-configuration'), {}, process.env, logger);
      try {
        const res = await fetch(`${downgraded.url}/x`, { headers: { authorization: `Bearer ${token}` } });
        await res.body?.cancel();
        assert.equal(res.status, 401);
        assert.ok(!hits.includes('/jwks.json'), 'the http jwks_uri was fetched');
        assert.ok(lines.some((l) => /https\) names a plain http jwks_uri: refused/.test(String(l.err))), JSON.stringify(lines));
        assert.equal(upstream.received.length, 0);
      } finally {
        await downgraded.close();
      }
      jwksUri = `${origin}/jwks.json`;
      const good = await startTestGateway(yaml('/good/.well-known/openid-configuration'));
      try {
        const res = await fetch(`${good.url}/x`, { headers: { authorization: `Bearer ${token}` } });
        await res.body?.cancel();
        assert.equal(res.status, 200, 'an https jwks_uri from an https document is used');
        assert.ok(hits.includes('/jwks.json'));
      } finally {
        await good.close();
      }
    } finally {
      setGlobalDispatcher(previous);
      tls.closeAllConnections();
      await new Promise<void>((r) => tls.close(() => r()));
      await upstream.close();
    }
  });

  test('over loopback http, a jwks_uri on a non-loopback http host is refused without allowInsecureHttp', async () => {
    const hits: string[] = [];
    const server = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer: 'https://idp.test', jwks_uri: 'http://192.0.2.10/jwks.json' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/openid-configuration`;
    const { logger, lines } = capture();
    let gw: TestGateway | undefined;
    try {
      gw = await startTestGateway(base(`      auth-jwt:
        issuers: [{ issuer: https://idp.test, discovery: ${url}, audiences: [shop], jwks: { timeout: 300ms } }]
`), {}, process.env, logger);
      const pair = await generateKeyPair('ES256');
      const token = await new SignJWT({ sub: 'a' }).setProtectedHeader({ alg: 'ES256' }).setIssuer('https://idp.test').setAudience('shop').setExpirationTime('5m').sign(pair.privateKey);
      const res = await fetch(`${gw.url}/x`, { headers: { authorization: `Bearer ${token}` } });
      await res.body?.cancel();
      assert.equal(res.status, 401);
      assert.ok(lines.some((l) => /plain http jwks_uri on a non-loopback host: refused/.test(String(l.err))), JSON.stringify(lines.map((l) => l.err ?? l.msg)));
    } finally {
      await gw?.close();
      server.closeAllConnections();
      server.close();
    }
  });
});
