// A client CA removed from a listener's `tls.clientCerts.ca` (reloaded) must stop authorizing the
// connections already open under it: a connection's `authorized` is fixed at its handshake. Idle ones
// are closed at the reload; a request on one that was busy gets 421 and the connection closes; a
// connection accepted before the reload but through its handshake after it was verified under the old
// CAs, and is refused the same way. Adding a CA leaves open connections alone. Real CAs, a real HTTPS
// listener, raw keep-alive connections.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import { makeClientPki, type ClientPki, type IssuedCert } from './helpers/client-certs.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

type Answer = { status: number; head: string } | 'closed';

/** One HTTP/1.1 request on an open connection: its response, or 'closed' if the connection closed first. */
function exchange(s: TLSSocket, path: string): Promise<Answer> {
  return new Promise((resolve) => {
    let buf = '';
    const done = (answer: Answer) => {
      s.off('data', onData);
      s.off('close', onClose);
      resolve(answer);
    };
    const onData = (d: Buffer) => {
      buf += d.toString();
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buf.slice(0, end);
      if (buf.length >= end + 4 + Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0)) done({ status: Number(head.split(' ')[1]), head });
    };
    const onClose = () => done('closed');
    if (s.destroyed) return done('closed');
    s.on('data', onData);
    s.once('close', onClose);
    s.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
  });
}

const closed = (s: TLSSocket) => (s.destroyed ? Promise.resolve() : new Promise<void>((r) => s.once('close', () => r())));

describe('mutual TLS: a client CA removed on reload', () => {
  let pki: ClientPki;
  let upstream: TestUpstream;
  let gw: TestGateway;
  let port: number;
  let bundle: string;
  let caA: string;
  let caB: string;
  let partnerA: IssuedCert;
  let partnerB: IssuedCert;
  let release: () => void = () => {};
  const sockets: Socket[] = [];

  before(async () => {
    pki = makeClientPki();
    partnerA = pki.issue('partner-a', { cn: 'partner-a.example' });
    partnerB = pki.issue('partner-b', { cn: 'partner-b.example', ca: 'foreign' });
    caA = pki.caCert;
    caB = readFileSync(join(pki.dir, 'foreign-ca.pem'), 'utf8');
    bundle = join(pki.dir, 'client-cas.pem');
    writeFileSync(bundle, caA + caB);
    upstream = await startUpstream((req, res) => {
      const answer = () => res.writeHead(200, { 'content-length': 2 }).end('ok');
      if (req.url === '/slow') release = answer;
      else answer();
    });
    gw = await startTestGateway(`listeners:
  - port: 0
    host: 127.0.0.1
    tls: { cert: ${pki.server.certPath}, key: ${pki.server.keyPath}, clientCerts: { ca: ${bundle}, mode: required } }
admin: { enabled: false }
upstreams: { backend: { url: ${upstream.url} } }
apis:
  - name: partners
    upstream: backend
    routes: [{ path: /*, operationId: all }]
    policies:
      auth-mtls:
        consumers:
          - { id: partner-a, certificates: [{ cn: partner-a.example, issuer: ${pki.caPath} }] }
          - { id: partner-b, certificates: [{ cn: partner-b.example, issuer: ${join(pki.dir, 'foreign-ca.pem')} }] }
`);
    port = Number(new URL(gw.url).port);
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await gw?.close();
    await upstream?.close();
  });

  /** A TLS connection with `cert`, over `tcp` when given (accepted earlier), resuming `session` if given. */
  function open(cert: IssuedCert, tcp?: Socket, session?: Buffer): Promise<TLSSocket> {
    return new Promise((resolve, reject) => {
      const s = connect({ ...(tcp ? { socket: tcp } : { host: '127.0.0.1', port }), servername: 'localhost', ca: pki.caCert, cert: cert.cert, key: cert.key, session }, () => resolve(s));
      sockets.push(s);
      s.on('error', () => {}); // a refused handshake or a reset shows as 'closed'
      s.once('close', () => reject(new Error('closed before the handshake')));
    });
  }
  const trust = async (pem: string) => {
    writeFileSync(bundle, pem);
    assert.equal(await gw.gateway.reload(), true);
  };

  const status = (answer: Answer) => (answer === 'closed' ? answer : answer.status);
  const forwarded = () => upstream.received.length;

  test('an idle connection of the removed CA is closed at the reload; a new one is refused at the handshake, resumed or not', async () => {
    await trust(caA + caB);
    const b = await open(partnerB);
    assert.equal(status(await exchange(b, '/pay')), 200);
    const session = b.getSession();
    assert.ok(session);
    await trust(caA);
    await closed(b);
    for (const resumed of [undefined, session]) {
      const fresh = await open(partnerB, undefined, resumed).catch(() => undefined);
      assert.ok(fresh === undefined || (await exchange(fresh, '/pay')) === 'closed', `refused at the handshake${resumed ? ' (session resumption)' : ''}`);
    }
    const a = await open(partnerA);
    assert.equal(status(await exchange(a, '/pay')), 200, 'the CA still trusted works on a new connection');
  });

  test('a connection busy at the reload finishes its request, then gets 421 and is closed; nothing more is forwarded', async () => {
    await trust(caA + caB);
    const b = await open(partnerB);
    assert.equal(status(await exchange(b, '/pay')), 200);
    const before = forwarded();
    const slow = exchange(b, '/slow');
    while (forwarded() === before) await new Promise((r) => setTimeout(r, 10));
    await trust(caA);
    release();
    assert.equal(status(await slow), 200, 'started before the reload');
    const next = await exchange(b, '/pay');
    assert.equal(status(next), 421);
    assert.match((next as { head: string }).head, /^connection: close$/im);
    assert.match((next as { head: string }).head, /^content-type: application\/problem\+json$/im);
    assert.equal(forwarded(), before + 1);
    await closed(b);
  });

  test('a connection accepted before the reload and through its handshake after it is refused (verified under the old CAs)', async () => {
    await trust(caA + caB);
    const tcp = tcpConnect(port, '127.0.0.1');
    sockets.push(tcp);
    await new Promise((r) => tcp.once('connect', r));
    await new Promise((r) => setTimeout(r, 50)); // the gateway accepts it
    await trust(caA);
    const b = await open(partnerB, tcp); // the old TLS context still verifies it
    const before = forwarded();
    assert.equal(status(await exchange(b, '/pay')), 421);
    assert.equal(forwarded(), before);
  });

  test('adding a CA leaves open connections alone', async () => {
    await trust(caA);
    const a = await open(partnerA);
    assert.equal(status(await exchange(a, '/pay')), 200);
    await trust(caA + caB);
    await new Promise((r) => setTimeout(r, 300)); // and the file watcher's reload of the same files
    assert.equal(status(await exchange(a, '/pay')), 200);
    assert.equal(status(await exchange(await open(partnerB), '/pay')), 200, 'the new CA on a new connection');
  });
});
