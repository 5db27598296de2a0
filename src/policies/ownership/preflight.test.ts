// Writes and HEAD on operations whose owner is read from the response, through a real gateway and an
// upstream that checks no owner itself and records what it receives: the gateway GETs the object
// first and forwards the request only when the caller owns it (or has an override role).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { startTestGateway, type TestGateway } from '../../../test/helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';
import { ORDERS_SPEC, ownershipGatewayYaml } from './test-config.ts';

const spec = ORDERS_SPEC;

const config = (upstream: string, spec = './spec.yaml', mode = 'enforce') =>
  ownershipGatewayYaml(upstream, {
    upstream: 'retries: 0, timeouts: { total: 500ms }',
    spec,
    consumers: { alice: "{ sub: '1' }", bob: "{ sub: '2' }", root: '{}' },
    ownership: `        mode: ${mode}\n        overrideRoles: [admin]`,
  });

/** Orders by id and owner; a GET of /orders/missing is 404, broken 500, dup names two owners, cut drops the connection, slow never answers. */
const owners: Record<string, number> = { '1': 1, '2': 2, cut: 1, slow: 1 };

describe('ownership: response rules on writes and HEAD are checked before forwarding', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;

  before(async () => {
    upstream = await startUpstream((req, res) => {
      const id = (req.url ?? '').split('/')[2] ?? '';
      if (req.method === 'GET' && id === 'cut') req.socket.destroy();
      else if (req.method === 'GET' && id === 'slow') return; // never answered
      else if (req.method === 'GET' && id === 'broken') res.writeHead(500).end('{"error":"db down"}');
      else if (req.method === 'GET' && id === 'dup') res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"dup","ownerId":2,"ownerId":1}');
      else if (owners[id] === undefined) res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such order"}');
      else if (req.method === 'DELETE') res.writeHead(204).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, ownerId: owners[id] }));
    });
    gw = await startTestGateway(config(upstream.url), { 'spec.yaml': spec });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  const call = (method: string, path: string, key: string) =>
    fetch(`${gw.url}${path}`, { method, headers: { 'x-api-key': key, ...(method === 'PATCH' ? { 'content-type': 'application/json' } : {}) }, ...(method === 'PATCH' ? { body: '{"note":"x"}' } : {}) });
  /** What the upstream receives during `run`, as "METHOD url". */
  const received = async (run: () => Promise<unknown>) => {
    const from = upstream.received.length;
    await run();
    return upstream.received.slice(from).map((r) => `${r.method} ${r.url}`);
  };
  const code = async (res: Response) => ((await res.json()) as { code: string }).code;

  test("another user's PATCH or DELETE is refused like a GET, and the upstream never receives the write", async () => {
    for (const method of ['PATCH', 'DELETE']) {
      let res: Response | undefined;
      const seen = await received(async () => (res = await call(method, '/orders/2', 'alice-key')));
      assert.equal(res!.status, 403, method);
      assert.equal(await code(res!), 'PCL_ERR_FORBIDDEN', method);
      assert.deepEqual(seen, ['GET /orders/2'], `${method}: only the preflight GET`);
    }
    assert.equal((await call('GET', '/orders/2', 'alice-key')).status, 403, 'as the GET is refused');
  });

  test("the owner's PATCH and DELETE go through: one GET with her credentials and request id, then the write", async () => {
    let res: Response | undefined;
    const from = upstream.received.length;
    const seen = await received(async () => (res = await call('PATCH', '/orders/1', 'alice-key')));
    assert.equal(res!.status, 200);
    assert.deepEqual(seen, ['GET /orders/1', 'PATCH /orders/1']);
    const [get, patch] = upstream.received.slice(from);
    assert.equal(get!.headers['x-api-key'], 'alice-key');
    assert.equal(get!.headers['x-request-id'], res!.headers.get('x-request-id'));
    assert.equal(patch!.headers['x-request-id'], res!.headers.get('x-request-id'));
    assert.equal(get!.headers['content-type'], undefined, 'the write\'s body is not described to the GET');
    assert.equal(get!.body.length, 0);
    assert.equal(patch!.body.toString(), '{"note":"x"}', 'the write goes with its body');
    const del = await received(async () => (res = await call('DELETE', '/orders/1', 'alice-key')));
    assert.equal(res!.status, 204);
    assert.deepEqual(del, ['GET /orders/1', 'DELETE /orders/1']);
  });

  test("HEAD of another user's object is refused like GET (its existence is not told)", async () => {
    const res = await call('HEAD', '/orders/2', 'alice-key');
    assert.equal(res.status, 403);
    assert.equal((await call('HEAD', '/orders/1', 'alice-key')).status, 200);
    assert.equal((await call('HEAD', '/orders/missing', 'alice-key')).status, 404);
  });

  test("an override role writes another user's object, without a preflight, where a user is refused", async () => {
    let res: Response | undefined;
    const seen = await received(async () => (res = await call('PATCH', '/orders/2', 'root-key')));
    assert.equal(res!.status, 200);
    assert.deepEqual(seen, ['PATCH /orders/2']);
    assert.equal((await call('DELETE', '/orders/2', 'root-key')).status, 204);
    const refused = await received(async () => (res = await call('DELETE', '/orders/2', 'alice-key')));
    assert.equal(res!.status, 403);
    assert.deepEqual(refused, ['GET /orders/2']);
  });

  test('a preflight the upstream answers 404 refuses with 404; one that fails or errors fails closed', async () => {
    const cases: [string, number, string][] = [
      ['missing', 404, 'PCL_ERR_OBJECT_NOT_FOUND'],
      ['broken', 502, 'PCL_ERR_RESPONSE_UNINSPECTABLE'],
      ['dup', 502, 'PCL_ERR_RESPONSE_UNINSPECTABLE'], // which ownerId the upstream acts on is unknown
      ['cut', 502, 'PCL_ERR_UPSTREAM_UNAVAILABLE'],
      ['slow', 504, 'PCL_ERR_UPSTREAM_TIMEOUT'],
    ];
    for (const [id, status, expected] of cases) {
      for (const method of ['PATCH', 'DELETE']) {
        let res: Response | undefined;
        const seen = await received(async () => (res = await call(method, `/orders/${id}`, 'alice-key')));
        assert.equal(res!.status, status, `${method} ${id}`);
        assert.equal(await code(res!), expected, `${method} ${id}`);
        assert.deepEqual(seen, [`GET /orders/${id}`], `${method} ${id}: no write`);
      }
    }
  });

  test('a rule reading the response of a PATCH, PUT, DELETE, or POST on an object path, without a GET on its path is refused at load', async () => {
    for (const method of ['patch', 'put', 'delete', 'post']) {
      const noGet = `${spec}  /orders/{id}/note:
    parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
    ${method}:
      operationId: noteOrder
      x-portcullis-owner: { response: $.ownerId, claim: sub }
      responses: { '200': { description: ok } }
`;
      await assert.rejects(startTestGateway(config(upstream.url), { 'spec.yaml': noGet }), /noteOrder: .*no GET operation on that path/, method);
    }
  });

  test('report mode forwards the write and records what it would have refused', async () => {
    const logged: string[] = [];
    const logger = Object.assign(pino({ level: 'silent' }), { sink: { write: (line: string) => void logged.push(line) } });
    const reporting = await startTestGateway(config(upstream.url, './spec.yaml', 'report'), { 'spec.yaml': spec }, process.env, logger);
    try {
      const from = upstream.received.length;
      const res = await fetch(`${reporting.url}/orders/2`, { method: 'DELETE', headers: { 'x-api-key': 'alice-key' } });
      assert.equal(res.status, 204);
      assert.deepEqual(upstream.received.slice(from).map((r) => r.method), ['GET', 'DELETE']);
      assert.ok(logged.some((line) => line.includes('"ownership":"report:PCL_ERR_FORBIDDEN"')), logged.join(''));
    } finally {
      await reporting.close();
    }
  });
});
