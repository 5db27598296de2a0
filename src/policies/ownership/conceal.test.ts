// othersObjects: not-found: an object of another caller is refused as if it did not exist (404), on a
// GET, a HEAD and a write checked first, so ids of others cannot be told from unknown ones.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../../../test/helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';
import { ORDERS_SPEC, ownershipGatewayYaml } from './test-config.ts';

const owners: Record<string, number> = { '1': 1, '2': 2 };

describe('ownership with othersObjects: not-found', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;

  before(async () => {
    upstream = await startUpstream((req, res) => {
      const id = (req.url ?? '').split('/')[2] ?? '';
      if (owners[id] === undefined) res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such order"}');
      else if (req.method === 'DELETE') res.writeHead(204).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, ownerId: owners[id] }));
    });
    const yaml = ownershipGatewayYaml(upstream.url, { consumers: { alice: "{ sub: '1' }" }, ownership: '        othersObjects: not-found' });
    gw = await startTestGateway(yaml, { 'spec.yaml': ORDERS_SPEC });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  const call = (method: string, path: string) => fetch(`${gw.url}${path}`, { method, headers: { 'x-api-key': 'alice-key' } });

  test("another user's object answers as a missing one does, whatever the method; nothing is written", async () => {
    for (const method of ['GET', 'HEAD', 'DELETE']) {
      const other = await call(method, '/orders/2');
      const missing = await call(method, '/orders/9999');
      assert.equal(other.status, 404, method);
      assert.equal(missing.status, 404, method);
      if (method !== 'HEAD') {
        assert.equal(((await other.json()) as { code: string }).code, 'PCL_ERR_OBJECT_NOT_FOUND', method);
        await missing.body?.cancel();
      }
    }
    assert.ok(!upstream.received.some((r) => r.method === 'DELETE' && r.url === '/orders/2'), 'the write never reached the upstream');
    assert.equal((await call('GET', '/orders/1')).status, 200, 'her own order');
  });
});
