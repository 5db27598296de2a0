// A bearer token written after its scheme with a tab (or several blanks) is a token to upstream
// parsers, which split on any whitespace: it is one to the gateway too, verified, and refused when
// forged. It used to count as no credential at all, and went upstream unchecked. A credential header
// spelled with "_" is not forwarded.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { hashApiKey } from '../src/auth/api-key.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const SECRET = 'another-test-hmac-secret-32-bytes-long!!';
const KEY = 'partner-key-with-any-shape-000000000001';
const spec = `openapi: 3.0.3
info: { title: t, version: '1' }
paths:
  /either:
    get: { operationId: either, security: [{ bearer: [] }, { key: [] }, { partnerId: [] }], responses: { '200': { description: ok } } }
  /optional:
    get: { operationId: optional, security: [{}, { bearer: [] }], responses: { '200': { description: ok } } }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
    key: { type: apiKey, in: header, name: X-Partner-Key }
    partnerId: { type: apiKey, in: header, name: X-Partner-Id }
`;
const yaml = (up: string) => `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
log: { headers: [x-partner-id, x-trace-id] }
upstreams: { backend: { url: ${up} } }
apis:
  - name: t
    spec: spec.yaml
    upstream: backend
    policies:
      auth-schemes:
        hideCredentials: true
        bruteForce: { maxFailures: 100000 }
        schemes:
          bearer:
            jwt:
              issuers: [{ issuer: https://hmac.test, secret: ${SECRET}, audiences: [t] }]
          key:
            apiKey:
              format: any
              consumers: [{ id: partner, scopes: [p], keys: [{ sha256: ${hashApiKey(KEY)} }] }]
          partnerId:
            apiKey:
              format: any
              consumers: [{ id: partner-b, keys: [{ sha256: ${hashApiKey(KEY)} }] }]
`;
const forged = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"iss":"https://hmac.test","sub":"admin","aud":"t"}').toString('base64url')}.`;
describe('credentials spelled unusually', () => {
  let up: TestUpstream;
  let gw: TestGateway;
  const logged: string[] = [];
  before(async () => {
    up = await startUpstream();
    const logger = Object.assign(pino({ level: 'silent' }), { sink: { write: (line: string) => logged.push(line) } });
    gw = await startTestGateway(yaml(up.url), { 'spec.yaml': spec }, process.env, logger);
  });
  after(async () => {
    await gw?.close();
    await up?.close();
  });
  /** The status, and the Authorization the upstream got (undefined: nothing forwarded, or none). */
  const call = async (path: string, headers: Record<string, string>) => {
    const before = up.received.length;
    const res = await fetch(gw.url + path, { headers });
    await res.body?.cancel();
    return { status: res.status, forwarded: up.received.length > before ? up.received.at(-1)!.headers.authorization : undefined };
  };

  for (const blank of [' ', '\t', '  ', ' \t', '\u00a0', '\u0085']) {
    test(`a forged token after "Bearer" and ${JSON.stringify(blank)} is verified and refused, never forwarded`, async () => {
      assert.deepEqual(await call('/optional', { authorization: `Bearer${blank}${forged}` }), { status: 401, forwarded: undefined });
      assert.deepEqual(await call('/either', { 'x-partner-key': KEY, authorization: `Bearer${blank}${forged}` }), { status: 401, forwarded: undefined });
    });
  }

  test('a forged token listed after another scheme ("Basic x, Bearer y", which Flask-JWT-Extended reads) is verified and refused', async () => {
    assert.deepEqual(await call('/optional', { authorization: `Basic dXNlcjpwYXNz, Bearer ${forged}` }), { status: 401, forwarded: undefined });
  });

  test('another scheme is not a bearer token: the optional operation passes without one', async () => {
    assert.equal((await call('/optional', { authorization: 'Basic dXNlcjpwYXNz' })).status, 200);
    assert.equal((await call('/optional', { authorization: `Bearerx ${forged}` })).status, 200);
  });

  test('a credential header spelled with "_" is not forwarded: the gateway never checks it, a CGI-style upstream would read it as the key header', async () => {
    for (const headers of [{ 'x-partner-key': KEY, x_partner_key: 'forged' }, { x_partner_key: 'forged', x_auth_token: 'forged', x_trace_id: 'kept' }]) {
      const res = await fetch(`${gw.url}/optional`, { headers });
      assert.equal(res.status, 200, JSON.stringify(headers));
      await res.body?.cancel();
      const got = up.received.at(-1)!;
      assert.ok(!got.rawHeaders.includes('forged'), got.rawHeaders.join(' | '));
    }
    assert.equal(up.received.at(-1)!.headers.x_trace_id, 'kept', 'other names with "_" are forwarded');
    // A key header named without any credential word (X-Partner-Id): known from the schemes.
    const res = await fetch(`${gw.url}/optional`, { headers: { x_partner_id: 'forged' } });
    assert.equal(res.status, 200);
    await res.body?.cancel();
    assert.ok(!up.received.at(-1)!.rawHeaders.includes('forged'), up.received.at(-1)!.rawHeaders.join(' | '));
  });

  test('the access log redacts a key header named without any credential word (X-Partner-Id), known from the schemes', async () => {
    logged.length = 0;
    const res = await fetch(`${gw.url}/either`, { headers: { 'x-partner-id': KEY, 'x-trace-id': 'trace-1' } });
    assert.equal(res.status, 200);
    await res.body?.cancel();
    const line = logged.find((l) => l.includes('"type":"access"'));
    assert.ok(line, logged.join(''));
    assert.ok(!line.includes(KEY), line);
    assert.deepEqual(JSON.parse(line).headers, { 'x-partner-id': '[REDACTED]', 'x-trace-id': 'trace-1' });
  });
});
