// Clients that leave early, through a running gateway. A connection reset right after its request has
// no address (getpeername fails): it is dropped, never judged as '' (an ip-filter deny list let it
// through). A client that leaves while a step waits (an introspection call, the Redis counter store)
// stops its request there: nothing is sent upstream, and concurrency slots, the circuit breaker's
// count of calls in flight and pooled upstream connections are not held for it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { startGateway } from '../src/server/gateway.ts';
import { makePki } from './helpers/certs.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startIntrospectionServer, type IntrospectionServer } from './helpers/introspection-server.ts';
import { waitUntil } from './helpers/process.ts';
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

/** Sends a request, waits until `waiting()` says the gateway is busy with it, then resets the connection. */
async function abortWhile(port: number, payload: string, waiting: () => boolean): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(payload);
  await waitUntil('the gateway to wait for a step', waiting, 10_000, 5);
  socket.resetAndDestroy();
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

describe('a client that leaves while authentication waits for the introspection endpoint', () => {
  let upstream: TestUpstream;
  let as: IntrospectionServer;
  let gw: TestGateway;
  const token = () => {
    const t = randomBytes(18).toString('base64url');
    as.tokens.set(t, { sub: 'alice', exp: Math.floor(Date.now() / 1000) + 600 });
    return t;
  };
  const get = (path: string, t: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t}\r\n\r\n`;

  before(async () => {
    upstream = await startUpstream();
    as = await startIntrospectionServer('portcullis', 'secret');
    gw = await startTestGateway(
      `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams:
  backend: { url: ${upstream.url} }
  narrow: { url: ${upstream.url}, connections: 1, timeouts: { total: 30s } }
apis:
  - name: shop
    upstream: backend
    routes:
      - path: /limited
        operationId: limited
        policies:
          rate-limit: { limits: [{ name: in-flight, algorithm: concurrency, limit: 2, key: [operation] }] }
      - path: /guarded
        operationId: guarded
        policies:
          circuit-breaker: { maxConcurrent: 2, per: operation }
    policies:
      auth-introspection:
        endpoint: ${as.url}
        clientId: portcullis
        clientSecret: secret
        timeout: 5s
        bruteForce: { maxFailures: 100000 }
  - name: pooled
    upstream: narrow
    routes: [{ path: /pooled, operationId: pooled }]
    policies:
      auth-introspection:
        endpoint: ${as.url}
        clientId: portcullis
        clientSecret: secret
        timeout: 5s
        bruteForce: { maxFailures: 100000 }
`,
    );
  });
  after(async () => {
    await gw?.close();
    await as?.close();
    await upstream?.close();
  });

  for (const path of ['/limited', '/guarded', '/pooled']) {
    test(`${path}: nothing is sent upstream for it, and nothing is held for it`, async () => {
      as.delayMs = 300;
      const port = portOf(gw.url);
      await Promise.all(
        [1, 2, 3, 4].map((i) => {
          const t = token();
          return abortWhile(port, get(`${path}?aborted=${i}`, t), () => as.calls.some((c) => c.token === t));
        }),
      );
      await sleep(as.delayMs + 500); // the introspection answers arrive after the clients left
      as.delayMs = 0;
      const started = performance.now();
      const replies = await Promise.all([1, 2].map(() => fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${token()}` }, signal: AbortSignal.timeout(10_000) })));
      assert.deepEqual(replies.map((r) => r.status), [200, 200]);
      assert.ok(performance.now() - started < 5000, 'answered promptly');
      assert.deepEqual(upstream.received.filter((r) => r.url.includes('aborted')).map((r) => r.url), []);
    });
  }
});

/** A gateway whose route reads the body (json-limits), with its upstream and a client connected to it. */
async function bodyReadingGateway(extra: string) {
  const upstream = await startUpstream();
  const gw = await startLogged(`listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
${extra}upstreams: { backend: { url: ${upstream.url} } }
apis:
  - name: api
    upstream: backend
    routes: [{ path: /x, operationId: x, methods: [POST] }]
    policies:
      json-limits: {}
`);
  const socket = connect(portOf(gw.urls.main!), '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  return { upstream, gw, socket };
}

describe('a client that leaves while its body is read', () => {
  test('is recorded as a client abort, not as an internal error, and nothing is sent upstream', async () => {
    const { upstream, gw, socket } = await bodyReadingGateway('');
    try {
      socket.write('POST /x?aborted HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":');
      await sleep(200);
      socket.resetAndDestroy();
      await waitUntil('the request to be recorded', () => gw.lines.length === 1, 5000);
      assert.deepEqual(gw.errors, []);
      assert.match(gw.lines[0]!, /"path":"\/x"/);
      // Recorded as stopped (499, nginx's status for it), never as an allowed 200.
      assert.match(gw.lines[0]!, /"status":499/);
      assert.match(gw.lines[0]!, /PCL_ERR_CLIENT_CLOSED/);
      assert.doesNotMatch(gw.lines[0]!, /"json-limits":"allow"/, 'a policy that never ran is not shown as allowing');
      assert.equal(upstream.received.length, 0);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});

describe('a request whose body does not arrive in time', () => {
  test('is recorded with the 408 the client got, not as a client that left, and nothing is sent upstream', async () => {
    const { upstream, gw, socket } = await bodyReadingGateway('limits: { requestTimeout: 1s, headersTimeout: 1s }\n');
    try {
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
      socket.write('POST /x?slow HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":');
      try {
        await waitUntil('the request to be recorded', () => gw.lines.length === 1, 10_000);
      } finally {
        socket.destroy();
      }
      assert.match(answer, /^HTTP\/1\.1 408 /);
      assert.match(gw.lines[0]!, /"status":408/);
      assert.match(gw.lines[0]!, /PCL_ERR_REQUEST_TIMEOUT/);
      assert.doesNotMatch(gw.lines[0]!, /"json-limits":"allow"/);
      assert.equal(upstream.received.length, 0);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});

/** A relay in front of Redis that can hold its answers back, to make a client leave during a decision. */
async function startHoldingRelay(port: number): Promise<{ port: number; hold(on: boolean): void; sent: () => number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const held: [Socket, Buffer][] = [];
  let holding = false;
  let sent = 0;
  const server: Server = createServer((client) => {
    const redis = connect(port, '127.0.0.1');
    for (const s of [client, redis]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d: Buffer) => {
      sent += d.length;
      redis.write(d);
    });
    redis.on('data', (d: Buffer) => (holding ? held.push([client, d]) : client.write(d)));
    client.on('close', () => redis.destroy());
    redis.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    hold(on) {
      holding = on;
      if (!on) for (const [client, d] of held.splice(0)) client.write(d);
    },
    sent: () => sent,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('a client that leaves while the Redis counter store decides', { skip: process.env.REDIS_URL === undefined && 'REDIS_URL is not set' }, () => {
  test('its concurrency slot is given back, and nothing is sent upstream for it', async () => {
    const redisUrl = new URL(process.env.REDIS_URL!);
    const relay = await startHoldingRelay(Number(redisUrl.port || 6379));
    const upstream = await startUpstream();
    const prefix = `abort${randomBytes(4).toString('hex')}`;
    const gw = await startTestGateway(`listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: ${upstream.url} } }
apis:
  - name: api
    upstream: backend
    routes: [{ path: /x, operationId: x }]
    policies:
      rate-limit:
        store: { redis: "redis://127.0.0.1:${relay.port}", prefix: ${prefix}, timeout: 5s }
        onStoreError: deny
        limits: [{ name: in-flight, algorithm: concurrency, limit: 1, key: [operation] }]
`);
    try {
      assert.equal((await fetch(`${gw.url}/x?warm`)).status, 200, 'connected, scripts loaded');
      relay.hold(true);
      const before = relay.sent();
      await abortWhile(portOf(gw.url), 'GET /x?aborted HTTP/1.1\r\nHost: x\r\n\r\n', () => relay.sent() > before);
      await sleep(300); // the gateway sees the reset before the decision comes back
      relay.hold(false);
      await sleep(300);
      const replies = [];
      for (let i = 0; i < 2; i++) replies.push((await fetch(`${gw.url}/x`, { signal: AbortSignal.timeout(10_000) })).status);
      assert.deepEqual(replies, [200, 200], 'the slot was given back');
      assert.deepEqual(upstream.received.filter((r) => r.url.includes('aborted')).map((r) => r.url), []);
    } finally {
      await gw.close();
      await upstream.close();
      await relay.close();
    }
  });
});

/** A passthrough gateway (with `extra` config) to an upstream with `handler`, and a client connected to it that sends GET /slow. */
async function upstreamPhaseGateway(handler: Parameters<typeof startUpstream>[0], extra = '') {
  const upstream = await startUpstream(handler);
  const gw = await startLogged(`listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
${extra}upstreams: { backend: { url: ${upstream.url} } }
apis:
  - name: api
    upstream: backend
    routes: [{ path: /slow, operationId: slow }]
`);
  const socket = connect(portOf(gw.urls.main!), '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
  return { upstream, gw, socket };
}

describe('a client that leaves while the upstream answers', () => {
  test('before the response head: recorded as 499 PCL_ERR_CLIENT_CLOSED, not as the 200 it never got', async () => {
    let answer: (() => void) | undefined;
    const { upstream, gw, socket } = await upstreamPhaseGateway((_req, res) => {
      answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"late":true}');
    });
    try {
      await waitUntil('the upstream to get the request', () => answer !== undefined, 5000);
      socket.resetAndDestroy();
      await waitUntil('the request to be recorded', () => gw.lines.length === 1, 5000);
      answer!();
      assert.match(gw.lines[0]!, /"status":499/);
      assert.match(gw.lines[0]!, /"error":"PCL_ERR_CLIENT_CLOSED"/);
      assert.deepEqual(gw.errors, []);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });

  test('during the body: recorded with the status sent and PCL_ERR_CLIENT_CLOSED, so a cut response is not taken for a whole one', async () => {
    const { upstream, gw, socket } = await upstreamPhaseGateway((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000000' });
      res.write('a'.repeat(1000));
    });
    try {
      await new Promise<void>((resolve) => socket.once('data', () => resolve()));
      socket.resetAndDestroy();
      await waitUntil('the request to be recorded', () => gw.lines.length === 1, 5000);
      assert.match(gw.lines[0]!, /"status":200/);
      assert.match(gw.lines[0]!, /"error":"PCL_ERR_CLIENT_CLOSED"/);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });

  test('an upstream that fails during the body: recorded with the status sent and the upstream failure', async () => {
    const { upstream, gw, socket } = await upstreamPhaseGateway((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000000' });
      res.write('a'.repeat(1000), () => setTimeout(() => res.socket?.resetAndDestroy(), 50));
    });
    try {
      let closed = false;
      socket.on('close', () => (closed = true)).resume();
      await waitUntil('the request to be recorded', () => gw.lines.length === 1, 5000);
      assert.match(gw.lines[0]!, /"status":200/);
      assert.match(gw.lines[0]!, /"error":"PCL_ERR_UPSTREAM_(UNAVAILABLE|BAD_RESPONSE)"/);
      await waitUntil('the client connection to be cut', () => closed, 5000);
    } finally {
      socket.destroy();
      await gw.close();
      await upstream.close();
    }
  });
});

describe('a connection the gateway ends while the response is under way', () => {
  test('the request timeout after the upstream answered early: the connection is cut, no 408 lands in the body, and the record says why', async () => {
    // Answers at once, without waiting for the request body.
    const upstream = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100000' });
      res.write('x'.repeat(10));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const gw = await startLogged(`listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
limits: { requestTimeout: 1s, headersTimeout: 1s }
upstreams: { backend: { url: http://127.0.0.1:${(upstream.address() as AddressInfo).port} } }
apis:
  - name: api
    upstream: backend
    routes: [{ path: /u, operationId: u, methods: [POST] }]
`);
    const socket = connect(portOf(gw.urls.main!), '127.0.0.1');
    socket.on('error', () => {});
    try {
      await once(socket, 'connect');
      let answer = '';
      let closed = false;
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
      socket.on('close', () => (closed = true));
      socket.write('POST /u HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 100\r\n\r\nabc');
      await waitUntil('the request to be recorded', () => gw.lines.length === 1, 10_000);
      await waitUntil('the connection to be cut', () => closed, 5000);
      assert.match(answer, /^HTTP\/1\.1 200 /);
      assert.doesNotMatch(answer, /408|PCL_ERR/, 'nothing written into the body under way');
      assert.match(gw.lines[0]!, /"status":200/);
      assert.match(gw.lines[0]!, /"error":"PCL_ERR_REQUEST_TIMEOUT"/);
    } finally {
      socket.destroy();
      await gw.close();
      upstream.closeAllConnections();
      upstream.close();
    }
  });

  test('shutdown at drainTimeout: recorded as the gateway shutting down, not as the client leaving', async () => {
    const { upstream, gw, socket } = await upstreamPhaseGateway(() => {}, 'limits: { drainTimeout: 300ms }\n');
    try {
      await waitUntil('the upstream to get the request', () => upstream.received.length === 1, 5000);
      await gw.close();
      assert.equal(gw.lines.length, 1);
      assert.match(gw.lines[0]!, /"status":503/);
      assert.match(gw.lines[0]!, /"error":"PCL_ERR_SHUTTING_DOWN"/);
    } finally {
      socket.destroy();
      await upstream.close();
    }
  });
});
