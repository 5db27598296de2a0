// How the preflight GET behaves towards the upstream, through a real gateway and a recording upstream:
// what it does not carry from the write, that a client leaving gives it up at once, and how a failure
// of the check itself (not the upstream's) is answered and logged.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { RequestContext } from '../../core/context.ts';
import { checkBeforeForward, forwardCheckOf } from '../../core/forward-check.ts';
import { CLIENT_LEFT, proxy, type ProxyCall } from '../../server/proxy.ts';
import { startTestGateway, type TestGateway } from '../../../test/helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';
import { ownership } from './index.ts';
import { ORDERS_SPEC, ownershipGatewayYaml } from './test-config.ts';

const spec = ORDERS_SPEC;
// A total timeout far longer than the test waits: only the client leaving can end the slow GET early.
const config = (upstream: string) => ownershipGatewayYaml(upstream, { upstream: 'retries: 0, timeouts: { total: 20s }' });

describe('ownership preflight: towards the upstream', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  /** When the upstream saw the connection of a GET /orders/slow close (it is never answered). */
  let slowClosed: Promise<number>;

  before(async () => {
    let closed!: (at: number) => void;
    slowClosed = new Promise((resolve) => (closed = resolve));
    upstream = await startUpstream((req, res) => {
      if (req.url === '/orders/slow') return void req.socket.once('close', () => closed(performance.now()));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"1","ownerId":1}');
    });
    gw = await startTestGateway(config(upstream.url), { 'spec.yaml': spec });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  test("the GET carries neither the write's idempotency key nor its cache directives, and asks for no cached copy", async () => {
    const from = upstream.received.length;
    const headers = {
      'x-api-key': 'alice-key', 'content-type': 'application/json', 'idempotency-key': 'k-1', 'x-idempotency-key': 'k-2',
      'cache-control': 'max-stale=86400', pragma: 'no-cache', prefer: 'return=minimal',
    };
    const res = await fetch(`${gw.url}/orders/1`, { method: 'PATCH', headers, body: '{"note":"x"}' });
    assert.equal(res.status, 200);
    const [get, patch] = upstream.received.slice(from);
    assert.equal(get!.method, 'GET');
    for (const name of ['idempotency-key', 'x-idempotency-key', 'pragma', 'prefer']) assert.equal(get!.headers[name], undefined, name);
    assert.equal(get!.headers['cache-control'], 'no-cache');
    assert.equal(patch!.headers['idempotency-key'], 'k-1', 'the write itself keeps them');
    assert.equal(patch!.headers['cache-control'], 'max-stale=86400');
  });

  test('a client that leaves during a slow GET gives it up at once (connection and deadline freed)', async () => {
    const from = upstream.received.length;
    const url = new URL(gw.url);
    const socket = connect(Number(url.port), url.hostname);
    socket.on('error', () => {});
    socket.write('PATCH /orders/slow HTTP/1.1\r\nHost: x\r\nx-api-key: alice-key\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}');
    while (!upstream.received.slice(from).some((r) => r.url === '/orders/slow')) await new Promise((r) => setTimeout(r, 10));
    const left = performance.now();
    socket.destroy();
    const closedAt = await slowClosed;
    assert.ok(closedAt - left < 1000, `given up ${Math.round(closedAt - left)} ms after the client left`);
    const route = gw.gateway.runtime.router.lookup('GET', '/orders/slow');
    assert.equal(route.kind, 'match');
    const { deadlines } = route.kind === 'match' ? route.match.value.upstream : assert.fail();
    while (deadlines.size > 0 && performance.now() - left < 1000) await new Promise((r) => setTimeout(r, 10));
    assert.equal(deadlines.size, 0, 'its total timeout is no longer pending');
    assert.deepEqual(upstream.received.slice(from).map((r) => r.method), ['GET'], 'no write');
  });
});

describe('ownership preflight: a failure of the check itself', () => {
  const logged: { msg: string; reqId?: string; err?: { message?: string } }[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
  const operations = new Map([['getOrder', { method: 'GET', path: '/orders/{id}', operationId: 'getOrder', operation: { 'x-portcullis-owner': { response: '$.ownerId', claim: 'sub' } }, parameters: [], deprecated: false, at: [] }]]);
  const env = { logger, scope: { api: 'api', operationId: undefined }, baseDir: '.', operations };
  const ctx = (method: string, destroyed = false) => {
    const req = { method, headers: {}, socket: { bytesRead: 0, bytesWritten: 0, destroyed } } as unknown as IncomingMessage;
    const c = new RequestContext(req, new EventEmitter() as unknown as ServerResponse, 0);
    c.id = 'req-1';
    c.operationId = 'getOrder';
    c.identity = { subject: 'alice', roles: [], claims: { sub: '1' } } as unknown as RequestContext['identity'];
    return c;
  };
  const broken = { path: '/orders/1', headers: [], get: () => Promise.reject(new TypeError('a bug')) };

  test('report mode records it, logs it and lets the request go (no 500)', async () => {
    const policy = ownership.create({ operations: {}, overrideRoles: [], maxBodySize: '1mb', onOversize: 'block', mode: 'report' } as never, env as never);
    const c = ctx('HEAD');
    policy.onRequest!(c);
    await forwardCheckOf(c)!(c, broken);
    assert.deepEqual(c.decisions, [{ policy: 'ownership', verdict: 'report', code: 'PCL_ERR_INTERNAL' }]);
    assert.ok(logged.some((l) => l.reqId === 'req-1' && l.err?.message === 'a bug'), JSON.stringify(logged));
  });

  test('enforced, it refuses the request and reaches the handler as thrown (logged there as an internal error, 500), not wrapped', async () => {
    const policy = ownership.create({ operations: {}, overrideRoles: [], maxBodySize: '1mb', onOversize: 'block', mode: 'enforce' } as never, env as never);
    const c = ctx('HEAD');
    policy.onRequest!(c);
    await assert.rejects(forwardCheckOf(c)!(c, broken), TypeError);
    assert.deepEqual(c.decisions, [{ policy: 'ownership', verdict: 'deny', code: 'PCL_ERR_INTERNAL' }]);
    // proxy.ts hands it to done() as thrown: the handler's fail() logs what is not a GatewayError.
    const outcomes: unknown[] = [];
    const bug = new TypeError('a bug');
    const failing = ctx('PATCH');
    checkBeforeForward(failing, () => Promise.reject(bug));
    const call = { ctx: failing, upstream: {}, path: '/orders/1', headers: [], done: (_c: unknown, error: unknown) => outcomes.push(error) } as unknown as ProxyCall;
    proxy(call);
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(outcomes, [bug]);
    // A client gone before the check ran: no GET, recorded as gone.
    const gone = ctx('PATCH', true);
    let gets = 0;
    checkBeforeForward(gone, (_c, target) => target.get('/x', [], 1).then(() => void gets++));
    proxy({ ...call, ctx: gone } as ProxyCall);
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual([outcomes[1], gets], [CLIENT_LEFT, 0]);
  });
});
