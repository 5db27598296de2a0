// Creates under response rules, through a real gateway and a recording upstream: a POST to a
// collection (or to a path without parameters and without a GET) is not checked with a GET first, a
// PUT of a missing object is refused like a PATCH (an upstream hiding others' objects behind 404 would
// let it overwrite one), and the document decides at load which POST acts on an existing object.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../../../test/helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';
import { ownershipGatewayYaml } from './test-config.ts';

const owned = { 'x-portcullis-owner': { response: '$.ownerId', claim: 'sub' } };
const json = (schema: unknown) => ({ '200': { description: 'ok', content: { 'application/json': { schema } } } });
const write = { ...owned, responses: { '201': { description: 'created' } } };
const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }];
// JSON is YAML: the document is written as JSON text.
const spec = JSON.stringify({
  openapi: '3.1.0',
  info: { title: 't', version: '1' },
  components: { securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'X-API-Key' } } },
  security: [{ key: [] }],
  paths: {
    // A collection by its GET's list rule.
    '/orders': {
      get: { operationId: 'listOrders', 'x-portcullis-owner': { response: '$.items[*].ownerId', claim: 'sub' }, responses: { '200': { description: 'ok' } } },
      post: { operationId: 'createOrder', ...write },
    },
    '/orders/{id}': {
      parameters: idParam,
      get: { operationId: 'getOrder', ...owned, responses: { '200': { description: 'ok' } } },
      put: { operationId: 'putOrder', ...write },
      patch: { operationId: 'updateOrder', ...write },
      delete: { operationId: 'deleteOrder', ...write },
      // A POST on the object itself: checked first.
      post: { operationId: 'archiveOrder', ...write },
    },
    // Collections by their GET's schema: an array; an object without the field the rule reads.
    '/receipts': { get: { operationId: 'listReceipts', responses: json({ type: 'array', items: { type: 'object' } }) }, post: { operationId: 'createReceipt', ...write } },
    '/invoices': {
      get: { operationId: 'listInvoices', responses: json({ type: 'object', additionalProperties: false, properties: { data: { type: 'array' }, next: { type: 'string' } } }) },
      post: { operationId: 'createInvoice', ...write },
    },
    // An open object schema without the field may still carry it: one object, checked first.
    '/tickets': { get: { operationId: 'getTicket', responses: json({ type: 'object', properties: { id: { type: 'string' } } }) }, post: { operationId: 'editTicket', ...write } },
    // A list rule beside a rule on the object's own field: one object.
    '/docs': {
      get: { operationId: 'getDoc', 'x-portcullis-owner': [{ response: '$.ownerId', claim: 'sub' }, { response: '$.attachments[*].ownerId', claim: 'sub' }], responses: { '200': { description: 'ok' } } },
      post: { operationId: 'editDoc', ...write },
    },
    // One object (the caller's profile): its POST is checked first.
    '/profile': { get: { operationId: 'getProfile', responses: json({ type: 'object', properties: { ownerId: { type: 'string' }, name: { type: 'string' } } }) }, post: { operationId: 'editProfile', ...write } },
    // No GET at all: loads (it refused to load before), only the response is checked.
    '/refunds': { post: { operationId: 'createRefund', ...write } },
  },
});

const config = (upstream: string) => ownershipGatewayYaml(upstream, { upstream: 'retries: 0, timeouts: { total: 2s }' });

describe('ownership: creates are not checked on a GET that cannot show their owner', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  const objects: Record<string, unknown> = { '/orders/1': { id: '1', ownerId: 1 }, '/orders/2': { id: '2', ownerId: 2 }, '/profile': { ownerId: '2' }, '/tickets': { id: 't', ownerId: '2' }, '/docs': { ownerId: '2', attachments: [] } };

  before(async () => {
    upstream = await startUpstream((req, res, body) => {
      const url = req.url ?? '';
      const send = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.method === 'GET') {
        if (objects[url] !== undefined) return send(200, objects[url]);
        if (url === '/orders' || url === '/invoices') return send(200, { items: [], data: [] });
        if (url === '/receipts') return send(200, []);
        return send(404, { error: 'not found' });
      }
      // A write answers with the object as stored: owned by whoever the body names, else the caller (1).
      const sent = body.length ? (JSON.parse(body.toString()) as { ownerId?: unknown }) : {};
      return send(req.method === 'PATCH' ? 200 : 201, { id: url.split('/')[2] ?? 'new', ownerId: sent.ownerId ?? 1 });
    });
    gw = await startTestGateway(config(upstream.url), { 'spec.yaml': spec });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  /** The response, and what the upstream received meanwhile as "METHOD url". */
  const call = async (method: string, path: string, body = '{"item":"x"}') => {
    const from = upstream.received.length;
    const res = await fetch(`${gw.url}${path}`, { method, headers: { 'x-api-key': 'alice-key', 'content-type': 'application/json' }, body });
    const text = await res.text();
    return { status: res.status, text, seen: upstream.received.slice(from).map((r) => `${r.method} ${r.url}`) };
  };

  test('a POST to a collection creates: forwarded once, without a GET, its response still checked', async () => {
    for (const path of ['/orders', '/receipts', '/invoices', '/refunds']) {
      const { status, seen } = await call('POST', path);
      assert.equal(status, 201, path);
      assert.deepEqual(seen, [`POST ${path}`], `${path}: no preflight GET`);
    }
    // The object created is another user's: refused as before (after the upstream carried it out).
    const theirs = await call('POST', '/orders', '{"ownerId":2}');
    assert.equal(theirs.status, 403);
    assert.match(theirs.text, /PCL_ERR_FORBIDDEN/);
  });

  test('a POST on a path whose GET shows one object is checked on it first', async () => {
    const archive = await call('POST', '/orders/2');
    assert.equal(archive.status, 403);
    assert.deepEqual(archive.seen, ['GET /orders/2'], 'nothing written');
    assert.deepEqual((await call('POST', '/orders/1')).seen, ['GET /orders/1', 'POST /orders/1']);
    for (const path of ['/profile', '/tickets', '/docs']) {
      const one = await call('POST', path);
      assert.equal(one.status, 403, `${path}: owned by 2`);
      assert.deepEqual(one.seen, [`GET ${path}`], path);
    }
  });

  test('a PUT, PATCH or DELETE of a missing object is 404 with nothing written (an upstream hiding an object behind 404 does not make a PUT a create)', async () => {
    const replaced = await call('PUT', '/orders/2');
    assert.equal(replaced.status, 403, "another user's object is not replaced");
    assert.deepEqual(replaced.seen, ['GET /orders/2']);
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const missing = await call(method, '/orders/new-3');
      assert.equal(missing.status, 404, method);
      assert.match(missing.text, /PCL_ERR_OBJECT_NOT_FOUND/, method);
      assert.deepEqual(missing.seen, ['GET /orders/new-3'], `${method}: nothing written`);
    }
  });
});
