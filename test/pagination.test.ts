// Pagination caps through the gateway, from the `maximum` of the OpenAPI document: clamped before
// validation and forwarding, or refused; report mode leaves the query alone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const SPEC = `openapi: 3.0.3
info: { title: items, version: '1' }
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 50 } }
        - { name: pageSize, in: query, schema: { type: integer } }
        - { name: q, in: query, schema: { type: string } }
      responses: { '200': { description: ok } }
`;

function yaml(upstream: string, policies: string): string {
  return `listeners:
  - { port: 0, host: 127.0.0.1 }
admin: { enabled: false }
upstreams:
  backend: { url: ${upstream} }
apis:
  - name: items
    spec: ./openapi.yaml
    upstream: backend
    policies:
${policies}`;
}

describe('pagination', () => {
  let upstream: TestUpstream;
  const gateways: TestGateway[] = [];
  const start = async (policies: string) => {
    const gw = await startTestGateway(yaml(upstream.url, policies), { 'openapi.yaml': SPEC });
    gateways.push(gw);
    return gw;
  };
  const forwarded = () => upstream.received.at(-1)!.url;

  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    for (const gw of gateways) await gw.close();
    await upstream?.close();
  });

  test('clamp: a page size above the maximum is forwarded as the maximum, before validation; the rest of the query is untouched', async () => {
    const gw = await start('      pagination: {}\n      validate: {}\n');
    assert.equal((await fetch(`${gw.url}/items?q=a%20b&limit=1000000&pageSize=999`)).status, 200);
    assert.equal(forwarded(), '/items?q=a%20b&limit=50&pageSize=999', 'pageSize has no maximum: left alone');
    assert.equal((await fetch(`${gw.url}/items?limit=20`)).status, 200);
    assert.equal(forwarded(), '/items?limit=20');
    assert.equal((await fetch(`${gw.url}/items?limit=abc`)).status, 400, 'not a number: validation refuses it');
  });

  test('max: a default for page sizes the document does not bound', async () => {
    const gw = await start('      pagination: { max: 100 }\n');
    await fetch(`${gw.url}/items?pageSize=5000&limit=51`);
    assert.equal(forwarded(), '/items?pageSize=100&limit=50');
  });

  test('reject: 400 naming the parameter and its maximum; nothing forwarded', async () => {
    const gw = await start('      pagination: { action: reject }\n');
    const before = upstream.received.length;
    const res = await fetch(`${gw.url}/items?limit=51`);
    const body = (await res.json()) as { code: string; errors: unknown[] };
    assert.equal(res.status, 400);
    assert.equal(body.code, 'PCL_ERR_VALIDATION');
    assert.deepEqual(body.errors, [{ in: 'query', name: 'limit', message: 'must be at most 50' }]);
    assert.equal(upstream.received.length, before);
  });

  test('report mode: forwarded unchanged', async () => {
    const gw = await start('      pagination: { mode: report }\n');
    assert.equal((await fetch(`${gw.url}/items?limit=51`)).status, 200);
    assert.equal(forwarded(), '/items?limit=51');
  });
});
