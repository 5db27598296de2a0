// Mutual TLS through a running gateway with real certificates made for the test: a `required`
// listener refuses the handshake without a valid certificate; an `optional` one lets the auth policy
// decide (401). Certificates map to consumers by CN, SAN or fingerprint; the OpenAPI `mutualTLS`
// scheme type is served by an `mtls` scheme; RFC 8705 certificate-bound JWTs must match the connection.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { Agent, request } from 'undici';
import { makeClientPki, type ClientPki, type IssuedCert } from './helpers/client-certs.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startIntrospectionServer, type IntrospectionServer } from './helpers/introspection-server.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const SECRET = 'mtls-test-hmac-secret-at-least-32-bytes';

const spec = `openapi: 3.1.0
info: { title: t, version: '1' }
paths:
  /partner:
    get: { operationId: partner, security: [{ clientCert: [] }], responses: { '200': { description: ok } } }
  /orders:
    get: { operationId: orders, security: [{ bearer: [] }], responses: { '200': { description: ok } } }
  /reports:
    get: { operationId: reports, security: [{ opaque: [] }], responses: { '200': { description: ok } } }
components:
  securitySchemes:
    clientCert: { type: mutualTLS }
    bearer: { type: http, scheme: bearer }
    opaque: { type: oauth2, flows: { clientCredentials: { tokenUrl: 'https://as.example/token', scopes: {} } } }
`;

describe('mutual TLS', () => {
  let pki: ClientPki;
  let upstream: TestUpstream;
  let as: IntrospectionServer;
  let gw: TestGateway;
  let certs: Record<'byCn' | 'bySan' | 'byFingerprint' | 'unmapped' | 'foreign' | 'expired', IssuedCert>;
  const agents: Agent[] = [];

  before(async () => {
    pki = makeClientPki();
    certs = {
      byCn: pki.issue('by-cn', { cn: 'partner-a.example' }),
      bySan: pki.issue('by-san', { cn: 'whatever', san: 'URI:spiffe://example.org/partner-b' }),
      byFingerprint: pki.issue('by-fp', { cn: 'partner-c' }),
      unmapped: pki.issue('unmapped', { cn: 'stranger' }),
      foreign: pki.issue('foreign', { cn: 'partner-a.example', ca: 'foreign' }),
      expired: pki.issue('expired', { cn: 'partner-a.example', expired: true }),
    };
    upstream = await startUpstream();
    as = await startIntrospectionServer('portcullis', 'introspection-client-secret');
    const listener = (name: string, mode: string) => `  - name: ${name}
    port: 0
    host: 127.0.0.1
    tls: { cert: ${pki.server.certPath}, key: ${pki.server.keyPath}, clientCerts: { ca: ${pki.caPath}, mode: ${mode} } }`;
    gw = await startTestGateway(
      `listeners:
${listener('strict', 'required')}
${listener('lenient', 'optional')}
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
          clientCert:
            mtls:
              consumers:
                - { id: partner-a, roles: [partner], scopes: [orders:read], certificates: [{ cn: partner-a.example }] }
                - { id: partner-b, certificates: [{ san: 'URI:spiffe://example.org/partner-b' }] }
                - { id: partner-c, certificates: [{ sha256: '${certs.byFingerprint.fingerprint256}' }] }
          bearer:
            jwt: { issuers: [{ issuer: https://idp.test, secret: ${SECRET}, audiences: [shop] }] }
          opaque:
            introspection: { endpoint: ${as.url}, clientId: portcullis, clientSecret: introspection-client-secret }
`,
      { 'spec.yaml': spec },
    );
  });
  after(async () => {
    for (const a of agents) await a.close();
    await gw?.close();
    await as?.close();
    await upstream?.close();
  });

  const strictUrl = () => gw.gateway.urls[0]!.url;
  const lenientUrl = () => gw.gateway.urls[1]!.url;
  function agent(cert?: IssuedCert): Agent {
    const a = new Agent({ connect: { ca: pki.caCert, servername: 'localhost', ...(cert ? { cert: cert.cert, key: cert.key } : {}) } });
    agents.push(a);
    return a;
  }
  async function get(url: string, cert: IssuedCert | undefined, headers: Record<string, string> = {}) {
    const before = upstream.received.length;
    const res = await request(url, { dispatcher: agent(cert), headers });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, body: text, reached: upstream.received.length > before, seen: upstream.received.at(-1)?.headers };
  }

  test('a certificate maps to its consumer by CN, SAN or fingerprint', async () => {
    for (const [cert, id] of [[certs.byCn, 'partner-a'], [certs.bySan, 'partner-b'], [certs.byFingerprint, 'partner-c']] as const) {
      const res = await get(`${strictUrl()}/partner`, cert);
      assert.equal(res.status, 200, id);
      assert.equal(res.seen!['x-consumer-id'], id);
      assert.equal(res.seen!['x-auth-subject'], id);
    }
    assert.equal((await get(`${strictUrl()}/partner`, certs.byCn)).seen!['x-auth-scopes'], 'orders:read');
  });

  test('required: missing, untrusted and expired certificates fail the handshake; nothing reaches the upstream', async () => {
    const before = upstream.received.length;
    for (const cert of [undefined, certs.foreign, certs.expired]) {
      await assert.rejects(get(`${strictUrl()}/partner`, cert), (error: Error & { code?: string }) => {
        assert.match(`${error.code} ${error.message}`, /certificate|alert|ECONNRESET|SocketError|other side closed/i);
        return true;
      });
    }
    assert.equal(upstream.received.length, before);
  });

  test('optional: no, untrusted, expired or unmapped certificate → 401 MutualTLS where a certificate is required', async () => {
    for (const cert of [undefined, certs.foreign, certs.expired, certs.unmapped]) {
      const res = await get(`${lenientUrl()}/partner`, cert);
      assert.equal(res.status, 401, cert?.certPath ?? 'no certificate');
      assert.equal(res.reached, false);
      assert.equal(res.headers['www-authenticate'], 'MutualTLS realm="shop"');
      assert.equal((JSON.parse(res.body) as { code: string }).code, 'PCL_ERR_UNAUTHENTICATED');
    }
    assert.equal((await get(`${lenientUrl()}/partner`, certs.byCn)).status, 200);
  });

  test('RFC 8705: a token bound to a certificate is only accepted on a connection with that certificate', async () => {
    const key = new TextEncoder().encode(SECRET);
    const token = (cnf?: string) => {
      const jwt = new SignJWT(cnf ? { cnf: { 'x5t#S256': cnf } } : {});
      return jwt.setProtectedHeader({ alg: 'HS256' }).setIssuer('https://idp.test').setAudience('shop').setSubject('svc').setExpirationTime('5m').sign(key);
    };
    const bound = await token(certs.byCn.thumbprint);
    const auth = { authorization: `Bearer ${bound}` };
    assert.equal((await get(`${lenientUrl()}/orders`, certs.byCn, auth)).status, 200);
    assert.equal((await get(`${lenientUrl()}/orders`, certs.byCn, auth)).status, 200, 'again, from the verified-token cache');
    for (const cert of [certs.bySan, undefined, certs.foreign]) {
      const res = await get(`${lenientUrl()}/orders`, cert, auth);
      assert.equal(res.status, 401, 'the cached token is still checked against this connection');
      assert.equal(res.reached, false);
      assert.match(String(res.headers['www-authenticate']), /error="invalid_token"/);
    }
    const unbound = await token();
    assert.equal((await get(`${lenientUrl()}/orders`, undefined, { authorization: `Bearer ${unbound}` })).status, 200);
    const garbage = await token('not-a-thumbprint');
    assert.equal((await get(`${lenientUrl()}/orders`, certs.byCn, { authorization: `Bearer ${garbage}` })).status, 401);
  });

  test('RFC 8705: an introspected token whose answer carries cnf.x5t#S256 is bound the same way', async () => {
    as.tokens.set('opaque-bound-token-1', { active: true, sub: 'svc', cnf: { 'x5t#S256': certs.bySan.thumbprint }, exp: Math.floor(Date.now() / 1000) + 60 });
    const auth = { authorization: 'Bearer opaque-bound-token-1' };
    assert.equal((await get(`${lenientUrl()}/reports`, certs.bySan, auth)).status, 200);
    const stolen = await get(`${lenientUrl()}/reports`, certs.byCn, auth);
    assert.equal(stolen.status, 401);
    assert.equal(stolen.reached, false);
    assert.equal((await get(`${lenientUrl()}/reports`, undefined, auth)).status, 401);
    assert.equal(as.calls.filter((c) => c.token === 'opaque-bound-token-1').length, 1, 'one introspection, the binding checked per request');
  });
});

describe('mutual TLS config', () => {
  test('an mtls scheme cannot serve a bearer scheme of the document, and one certificate cannot map to two consumers', async () => {
    const yaml = (schemes: string) => `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: http://127.0.0.1:1 } }
apis:
  - name: shop
    spec: spec.yaml
    upstream: backend
    policies:
      auth-schemes:
        schemes:
${schemes}`;
    await assert.rejects(startTestGateway(yaml(`          bearer: { mtls: { consumers: [{ id: a, certificates: [{ cn: a }] }] } }\n          clientCert: { mtls: {} }\n`), { 'spec.yaml': spec }), /which a mtls scheme cannot serve/);
    await assert.rejects(
      startTestGateway(yaml(`          clientCert: { mtls: { consumers: [{ id: a, certificates: [{ cn: x }] }, { id: b, certificates: [{ cn: x }] }] } }\n          bearer: { jwt: { issuers: [{ issuer: i, secret: ${SECRET}, audiences: [a] }] } }\n`), { 'spec.yaml': spec }),
      /mapped to "a" too/,
    );
  });
});
