// mTLS mappings tied to the CA that issued the certificate. A listener trusting two partner CAs (A and
// B) must not let B's certificate named like A's partner be A's partner: a `cn`/`san` mapping names
// its `issuer` (fingerprint, PEM path or PEM text), checked by signatures along the chain; without
// one it only matches on a listener whose client CAs are one authority (otherwise 401). `sha256`
// mappings pin the certificate itself and need no issuer. Real CAs, listeners and client connections.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { Agent, request } from 'undici';
import { makeClientPki, type ClientPki, type IssuedCert } from './helpers/client-certs.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

/** A CA under the trusted root (A), and a leaf of it sent with the intermediate, as clients do. */
function intermediate(pki: ClientPki): { caPem: string; leaf: IssuedCert } {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: pki.dir, stdio: 'pipe' });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  writeFileSync(join(pki.dir, 'int.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
  writeFileSync(join(pki.dir, 'leaf.ext'), 'basicConstraints=CA:FALSE\n');
  run('req', ...key, '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/CN=Partner E issuing CA');
  run('x509', '-req', '-in', 'int.csr', '-CA', 'trusted-ca.pem', '-CAkey', 'trusted-ca.key', '-set_serial', '0x7001', '-days', '2', '-extfile', 'int.ext', '-out', 'int.pem');
  run('req', ...key, '-keyout', 'e.key', '-out', 'e.csr', '-subj', '/CN=partner-e.example');
  run('x509', '-req', '-in', 'e.csr', '-CA', 'int.pem', '-CAkey', 'int.key', '-set_serial', '0x7002', '-days', '2', '-extfile', 'leaf.ext', '-out', 'e.pem');
  const caPem = readFileSync(join(pki.dir, 'int.pem'), 'utf8');
  const cert = readFileSync(join(pki.dir, 'e.pem'), 'utf8');
  const x509 = new X509Certificate(cert);
  return { caPem, leaf: { cert: cert + caPem, key: readFileSync(join(pki.dir, 'e.key'), 'utf8'), certPath: join(pki.dir, 'e.pem'), fingerprint256: x509.fingerprint256, thumbprint: '' } };
}

describe('mutual TLS: mappings tied to their issuing CA', () => {
  let pki: ClientPki;
  let upstream: TestUpstream;
  let gw: TestGateway;
  let certs: Record<'aPartnerA' | 'bPartnerA' | 'bPartnerB' | 'aPartnerB' | 'aShared' | 'bShared' | 'bPinned' | 'aPartnerD' | 'bStranger' | 'partnerE', IssuedCert>;
  let foreignCa: string;
  let oneCaPath: string;
  const logs: { msg?: string; reason?: string; claim?: string }[] = [];
  const agents: Agent[] = [];

  before(async () => {
    pki = makeClientPki();
    const b = { ca: 'foreign' as const };
    const partnerE = intermediate(pki);
    certs = {
      aPartnerA: pki.issue('a-partner-a', { cn: 'partner-a.example' }),
      bPartnerA: pki.issue('b-partner-a', { cn: 'partner-a.example', ...b }),
      bPartnerB: pki.issue('b-partner-b', { cn: 'whatever', san: 'URI:spiffe://b.example/partner-b', ...b }),
      aPartnerB: pki.issue('a-partner-b', { cn: 'whatever', san: 'URI:spiffe://b.example/partner-b' }),
      aShared: pki.issue('a-shared', { cn: 'api-client' }),
      bShared: pki.issue('b-shared', { cn: 'api-client', ...b }),
      bPinned: pki.issue('b-pinned', { cn: 'pinned', ...b }),
      aPartnerD: pki.issue('a-partner-d', { cn: 'partner-d.example' }),
      bStranger: pki.issue('b-stranger', { cn: 'stranger', ...b }),
      partnerE: partnerE.leaf,
    };
    foreignCa = readFileSync(join(pki.dir, 'foreign-ca.pem'), 'utf8');
    const bothPath = join(pki.dir, 'both-cas.pem');
    writeFileSync(bothPath, pki.caCert + foreignCa);
    oneCaPath = join(pki.dir, 'one-ca.pem');
    writeFileSync(oneCaPath, pki.caCert);
    const bFingerprint = new X509Certificate(foreignCa).fingerprint256;
    upstream = await startUpstream();
    const listener = (name: string, ca: string) => `  - name: ${name}
    port: 0
    host: 127.0.0.1
    tls: { cert: ${pki.server.certPath}, key: ${pki.server.keyPath}, clientCerts: { ca: ${ca}, mode: required } }`;
    const api = (name: string, extra: string, consumers: string) => `  - name: ${name}
    basePath: /${name}
    upstream: backend
    routes: [{ path: /*, operationId: ${name} }]
    policies:
      auth-mtls:
        ${extra}
        consumers:
${consumers}`;
    gw = await startTestGateway(
      `listeners:
${listener('two', bothPath)}
${listener('one', oneCaPath)}
admin: { enabled: false }
upstreams: { backend: { url: ${upstream.url} } }
apis:
${api('p', 'bruteForce: { maxFailures: 100000 }', `          - { id: partner-a, scopes: [payments:write], certificates: [{ cn: partner-a.example, issuer: ${pki.caPath} }] }
          - { id: partner-b, certificates: [{ san: 'URI:spiffe://b.example/partner-b', issuer: '${bFingerprint}' }] }
          - { id: shared-a, certificates: [{ cn: api-client, issuer: '${new X509Certificate(pki.caCert).fingerprint256.replaceAll(':', '').toLowerCase()}' }] }
          - { id: shared-b, certificates: [{ cn: api-client, issuer: [foreign-ca.pem] }] }
          - { id: partner-c, certificates: [{ sha256: '${certs.bPinned.fingerprint256}' }] }
          - { id: partner-d, certificates: [{ cn: partner-d.example }] }
          - { id: partner-e, certificates: [{ cn: partner-e.example, issuer: partner-e-ca.pem }] }`)}
${api('o', 'allowUnmapped: true', `          - { id: partner-a, certificates: [{ cn: partner-a.example, issuer: "\${file:${pki.caPath}}" }] }`)}
`,
      { 'partner-e-ca.pem': partnerE.caPem, 'foreign-ca.pem': foreignCa },
      process.env,
      pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as (typeof logs)[number]) }),
    );
  });
  after(async () => {
    for (const a of agents) await a.close();
    await gw?.close();
    await upstream?.close();
  });

  const url = (listener: 'two' | 'one', path: string) => `${gw.gateway.urls.find((u) => u.name === listener)!.url}${path}`;
  async function get(listener: 'two' | 'one', path: string, cert: IssuedCert) {
    const agent = new Agent({ connect: { ca: pki.caCert, servername: 'localhost', cert: cert.cert, key: cert.key } });
    agents.push(agent);
    const before = upstream.received.length;
    const res = await request(url(listener, path), { dispatcher: agent });
    await res.body.text();
    return { status: res.statusCode, reached: upstream.received.length > before, seen: upstream.received.at(-1)?.headers };
  }

  test('a cn/san mapping with an issuer takes certificates of that CA only, whatever the other trusted CA writes in them', async () => {
    const a = await get('two', '/p/pay', certs.aPartnerA);
    assert.equal(a.status, 200);
    assert.equal(a.seen!['x-consumer-id'], 'partner-a');
    assert.equal(a.seen!['x-auth-scopes'], 'payments:write');
    const forged = await get('two', '/p/pay', certs.bPartnerA);
    assert.equal(forged.status, 401, "CA B's certificate with partner A's CN");
    assert.equal(forged.reached, false);
    const withCopyOfA = await get('two', '/p/pay', { ...certs.bPartnerA, cert: certs.bPartnerA.cert + pki.caCert });
    assert.equal(withCopyOfA.status, 401, "CA B's certificate sent along with a copy of CA A's");
    assert.equal((await get('two', '/p/pay', certs.bPartnerB)).seen!['x-consumer-id'], 'partner-b', 'issuer by fingerprint with colons, SAN mapping');
    assert.equal((await get('two', '/p/pay', certs.aPartnerB)).status, 401, "CA A's certificate with partner B's SAN");
    const log = logs.findLast((l) => l.msg === 'authentication failed');
    assert.equal(log?.reason, 'unmapped_certificate');
    assert.match(String(log?.claim), /san mapping of "partner-b": not issued by its issuer/);
  });

  test('one name under two issuers maps to two consumers', async () => {
    assert.equal((await get('two', '/p/x', certs.aShared)).seen!['x-consumer-id'], 'shared-a');
    assert.equal((await get('two', '/p/x', certs.bShared)).seen!['x-consumer-id'], 'shared-b');
  });

  test('a certificate of an intermediate CA matches an issuer given as that CA\'s PEM (path relative to the config)', async () => {
    const res = await get('two', '/p/x', certs.partnerE);
    assert.equal(res.status, 200);
    assert.equal(res.seen!['x-consumer-id'], 'partner-e');
  });

  test('sha256 mappings pin the certificate and need no issuer', async () => {
    assert.equal((await get('two', '/p/x', certs.bPinned)).seen!['x-consumer-id'], 'partner-c');
  });

  test('a cn mapping without issuer: 401 where the listener trusts two CAs, fine where it trusts one', async () => {
    const refused = await get('two', '/p/x', certs.aPartnerD);
    assert.equal(refused.status, 401);
    assert.equal(refused.reached, false);
    const log = logs.findLast((l) => l.msg === 'authentication failed');
    assert.match(String(log?.claim), /cn mapping of "partner-d" needs an issuer: the listener trusts 2 client CAs/);
    assert.equal((await get('one', '/p/x', certs.aPartnerD)).seen!['x-consumer-id'], 'partner-d');
    assert.equal((await get('one', '/p/x', certs.aPartnerA)).seen!['x-consumer-id'], 'partner-a', 'issuer mappings work on either');
  });

  test('allowUnmapped does not let in a certificate that names a consumer but comes from another CA', async () => {
    assert.equal((await get('two', '/o/x', certs.aPartnerA)).seen!['x-consumer-id'], 'partner-a', 'issuer given as PEM text (${file:...})');
    const forged = await get('two', '/o/x', certs.bPartnerA);
    assert.equal(forged.status, 401);
    assert.equal(forged.reached, false);
    const stranger = await get('two', '/o/x', certs.bStranger);
    assert.equal(stranger.status, 200);
    assert.equal(stranger.seen!['x-auth-subject'], 'stranger');
    assert.equal(stranger.seen!['x-consumer-id'], undefined);
  });

  test('a second CA added to the listener\'s file (reloaded) makes issuer-less cn mappings refuse new connections', async () => {
    writeFileSync(oneCaPath, pki.caCert + foreignCa);
    assert.equal(await gw.gateway.reload(), true);
    assert.equal((await get('one', '/p/x', certs.aPartnerD)).status, 401);
    assert.equal((await get('one', '/p/x', certs.aPartnerA)).seen!['x-consumer-id'], 'partner-a');
  });
});

describe('mutual TLS issuer config', () => {
  let pki: ClientPki;
  before(() => {
    pki = makeClientPki();
  });
  const yaml = (certificates: string, consumers = '') => `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: http://127.0.0.1:1 } }
apis:
  - name: shop
    upstream: backend
    routes: [{ path: /*, operationId: all }]
    policies:
      auth-mtls:
        consumers:
          - { id: a, certificates: [${certificates}] }
${consumers}`;

  test('an issuer must be a readable CA certificate or a fingerprint', async () => {
    await assert.rejects(startTestGateway(yaml('{ cn: a, issuer: missing.pem }')), /certificates\[0\]\.issuer: cannot read .*missing\.pem \(ENOENT\)/);
    await assert.rejects(startTestGateway(yaml(`{ cn: a, issuer: ${pki.server.certPath} }`)), /"CN=localhost" is not a CA certificate/);
    await assert.rejects(startTestGateway(yaml('{ cn: a, issuer: empty.pem }'), { 'empty.pem': 'nothing here' }), /empty\.pem: no certificate in it/);
  });

  test('exactly one of cn, san and sha256, with or without issuer', async () => {
    await assert.rejects(startTestGateway(yaml(`{ cn: a, san: 'DNS:a', issuer: ${pki.caPath} }`)), /certificates\[0\]: must match exactly one schema in oneOf/);
    await assert.rejects(startTestGateway(yaml(`{ issuer: ${pki.caPath} }`)), /certificates\[0\]: missing required key "cn"/);
  });

  test('one name mapped to two consumers is refused unless their issuers differ', async () => {
    await assert.rejects(startTestGateway(yaml(`{ cn: x, issuer: ${pki.caPath} }`, `          - { id: b, certificates: [{ cn: x }] }`)), /mapped to "a" too \(give each its own issuer\)/);
    await assert.rejects(startTestGateway(yaml(`{ cn: x, issuer: ${pki.caPath} }`, `          - { id: b, certificates: [{ cn: x, issuer: ['${new X509Certificate(pki.caCert).fingerprint256}'] }] }`)), /mapped to "a" too/);
    const gw = await startTestGateway(yaml(`{ cn: x, issuer: ${pki.caPath} }`, `          - { id: b, certificates: [{ cn: x, issuer: ${join(pki.dir, 'foreign-ca.pem')} }] }`));
    await gw.close();
  });
});
