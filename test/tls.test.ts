// HTTPS listeners (TLS floor, HSTS, redirect, certificate reload without restart) and TLS upstreams
// (verified against a CA, refused when unverifiable).
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { Agent, request } from 'undici';
import { makePki, type TestPki } from './helpers/certs.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

function peerFingerprint(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ port, host: '127.0.0.1', ca, servername: 'localhost' }, () => {
      resolve(socket.getPeerX509Certificate()!.fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('HTTPS listener', () => {
  let pki: TestPki;
  let upstream: TestUpstream;
  let gw: TestGateway;
  let agent: Agent;

  before(async () => {
    pki = makePki();
    upstream = await startUpstream();
    gw = await startTestGateway(`listeners:
  - name: tls
    port: 0
    host: 127.0.0.1
    tls:
      cert: ${pki.certPath}
      key: ${pki.keyPath}
      hsts: { maxAge: 1d }
  - name: plain
    port: 0
    host: 127.0.0.1
    redirectToHttps: { port: 8443 }
admin: { enabled: false }
upstreams:
  backend: { url: ${upstream.url} }
apis:
  - name: api
    upstream: backend
    routes: [{ path: /* }]
`);
    agent = new Agent({ connect: { ca: pki.caCert, servername: 'localhost' } });
  });
  after(async () => {
    await agent.close();
    await gw.close();
    await upstream.close();
  });

  test('serves over TLS with HSTS and X-Forwarded-Proto https', async () => {
    const res = await request(`${gw.gateway.urls[0]!.url}/hello`, { dispatcher: agent });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['strict-transport-security'], 'max-age=86400; includeSubDomains');
    const echoed = (await res.body.json()) as { headers: Record<string, string> };
    assert.equal(echoed.headers['x-forwarded-proto'], 'https');
  });

  test('refuses TLS 1.1', async () => {
    const port = Number(new URL(gw.gateway.urls[0]!.url).port);
    await assert.rejects(
      new Promise((resolve, reject) => {
        const s = tlsConnect({ port, host: '127.0.0.1', ca: pki.caCert, servername: 'localhost', minVersion: 'TLSv1', maxVersion: 'TLSv1.1' }, () => resolve(s));
        s.on('error', reject);
      }),
    );
  });

  test('the plain listener redirects to HTTPS with 308 and does not proxy', async () => {
    const before = upstream.received.length;
    const res = await fetch(`${gw.gateway.urls[1]!.url}/orders?id=1`, { redirect: 'manual' });
    assert.equal(res.status, 308);
    assert.equal(res.headers.get('location'), 'https://127.0.0.1:8443/orders?id=1');
    assert.equal(upstream.received.length, before);
  });

  test('a replaced certificate is served without a restart', async () => {
    const port = Number(new URL(gw.gateway.urls[0]!.url).port);
    const first = await peerFingerprint(port, pki.caCert);
    const next = makePki('next');
    copyFileSync(next.certPath, pki.certPath);
    copyFileSync(next.keyPath, pki.keyPath);
    let now = first;
    for (let i = 0; i < 50 && now === first; i++) {
      await new Promise((r) => setTimeout(r, 100));
      now = await peerFingerprint(port, next.caCert).catch(() => first);
    }
    assert.equal(now, new X509Certificate(next.cert).fingerprint256);
  });
});

describe('TLS upstream', () => {
  let pki: TestPki;
  let port: number;
  let server: ReturnType<typeof createHttpsServer>;

  before(async () => {
    pki = makePki();
    server = createHttpsServer({ cert: pki.cert, key: pki.key }, (_req, res) => res.end('secure'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  const config = (tls: string) => `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams:
  backend:
    url: https://localhost:${port}
${tls}
apis:
  - name: api
    upstream: backend
    routes: [{ path: /* }]
`;

  test('is verified against the configured CA', async () => {
    const gw = await startTestGateway(config(`    tls: { ca: ${pki.caPath} }`));
    try {
      const res = await fetch(`${gw.url}/x`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'secure');
    } finally {
      await gw.close();
    }
  });

  test('an unverifiable certificate is a 502, never a silent plaintext or unverified call', async () => {
    const gw = await startTestGateway(config(''));
    try {
      const res = await fetch(`${gw.url}/x`);
      assert.equal(res.status, 502);
      assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_UPSTREAM_UNAVAILABLE');
    } finally {
      await gw.close();
    }
  });
});
