// Clients that leave early, through a running gateway. A connection reset right after its request has
// no address (getpeername fails): it is dropped, never judged as '' (an ip-filter deny list let it
// through).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { startGateway } from '../src/server/gateway.ts';
import { makePki } from './helpers/certs.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const portOf = (url: string) => Number(new URL(url).port);
const post = (path: string) => {
  const body = '{"to":"attacker","amount":1000}';
  return `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
};

/** Sends a whole request on a fresh connection and resets it at once (SO_LINGER 0). */
function sendAndReset(port: number, payload: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(payload);
      socket.resetAndDestroy();
      resolve();
    });
    socket.on('error', () => resolve());
  });
}

interface LoggedGateway {
  readonly urls: Record<string, string>;
  /** Access-log lines, and the gateway's own error lines (internal errors). */
  readonly lines: string[];
  readonly errors: string[];
  close(): Promise<void>;
}

/** A gateway in-process whose access log and error log the test reads. */
async function startLogged(yaml: string): Promise<LoggedGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-test-'));
  const configPath = join(dir, 'portcullis.yaml');
  await writeFile(configPath, yaml);
  const lines: string[] = [];
  const errors: string[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void errors.push(line) });
  const gw = await startGateway({ configPath, logger, accessSink: { write: (line: string) => lines.push(line) } });
  return {
    urls: Object.fromEntries(gw.urls.map(({ name, url }) => [name, url])),
    lines,
    errors,
    async close() {
      await gw.shutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describe('a connection reset right after its request', () => {
  let upstream: TestUpstream;
  let gw: LoggedGateway;
  let urls: Record<string, string>;

  before(async () => {
    upstream = await startUpstream();
    const pki = makePki();
    gw = await startLogged(`listeners:
  - { name: plain, port: 0, host: 127.0.0.1 }
  - { name: tls, port: 0, host: 127.0.0.1, tls: { cert: ${pki.certPath}, key: ${pki.keyPath} } }
admin: { enabled: false }
policies:
  ip-filter: { deny: [127.0.0.0/8, "::1"] }
upstreams: { backend: { url: ${upstream.url} } }
apis:
  - name: bank
    upstream: backend
    routes: [{ path: /transfer, operationId: transfer, methods: [GET, POST] }]
`);
    urls = gw.urls;
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  /** No request was judged without an address: every access-log line has the client's. */
  const judgedWithoutAddress = () => gw.lines.filter((l) => !l.includes('"ip":"127.0.0.1"'));

  test('has no client address: it is dropped, never forwarded past a deny list', async () => {
    // Another process connects, sends and resets while this one (the gateway) is held up, so the
    // gateway accepts the connections after they were reset, as a busy gateway does.
    const port = portOf(urls.plain!);
    const clients = `const net = require('node:net');
let left = 30;
for (let i = 0; i < 30; i++) {
  const s = net.connect(${port}, '127.0.0.1', () => { s.write(${JSON.stringify(post('/transfer?i=X'))}.replace('X', i)); s.resetAndDestroy(); if (--left === 0) process.exit(0); });
  s.on('error', () => { if (--left === 0) process.exit(0); });
}`;
    execFileSync(process.execPath, ['-e', clients], { timeout: 20_000 });
    for (let i = 0; i < 10; i++) await sendAndReset(port, post(`/transfer?j=${i}`));
    await sleep(500);
    assert.deepEqual(upstream.received.map((r) => r.url), []);
    assert.deepEqual(judgedWithoutAddress(), []);
    assert.equal((await fetch(`${urls.plain}/transfer`)).status, 403, 'the deny list holds for a client that stays');
    assert.equal(upstream.received.length, 0);
  });

  test('over TLS too, where the address is read when the request arrives', async () => {
    const port = portOf(urls.tls!);
    for (let i = 0; i < 30; i++) {
      const raw = connect(port, '127.0.0.1');
      raw.on('error', () => {});
      await once(raw, 'connect');
      const secure = tlsConnect({ socket: raw, rejectUnauthorized: false });
      secure.on('error', () => {});
      await once(secure, 'secureConnect');
      secure.write(post(`/transfer?tls=${i}`), () => raw.resetAndDestroy());
      await once(raw, 'close');
    }
    await sleep(500);
    assert.deepEqual(upstream.received.map((r) => r.url), []);
    assert.deepEqual(judgedWithoutAddress(), []);
  });
});
