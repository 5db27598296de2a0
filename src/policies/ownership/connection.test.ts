// A header an owner rule decides on cannot be named in Connection: the gateway would drop it after
// checking it, and an upstream that falls back to a wider scope without it would answer for all.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../../../test/helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';
import { ownershipGatewayYaml } from './test-config.ts';

const spec = JSON.stringify({
  openapi: '3.1.0',
  info: { title: 't', version: '1' },
  components: { securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'X-API-Key' } } },
  security: [{ key: [] }],
  paths: { '/reports': { get: { operationId: 'listReports', 'x-portcullis-owner': { header: 'X-Tenant-Id', claim: 'tenant' }, responses: { '200': { description: 'ok' } } } } },
});
let up: TestUpstream;
let gw: TestGateway;
before(async () => {
  up = await startUpstream();
  gw = await startTestGateway(ownershipGatewayYaml(up.url, { consumers: { alice: "{ tenant: 't1' }" } }), { 'spec.yaml': spec });
});
after(async () => {
  await gw?.close();
  await up?.close();
});

// fetch() cannot set Connection: node:http can.
const get = (connection: string) =>
  new Promise<number>((resolve, reject) => {
    const u = new URL(gw.url);
    http
      .request({ host: u.hostname, port: u.port, path: '/reports', headers: { 'x-api-key': 'alice-key', 'x-tenant-id': 't1', connection } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject)
      .end();
  });

test('Connection naming the header an owner rule checked is refused; the request without it passes with the header', async () => {
  assert.equal(await get('keep-alive'), 200);
  assert.equal(up.received.at(-1)!.headers['x-tenant-id'], 't1');
  const before = up.received.length;
  assert.equal(await get('keep-alive, X-Tenant-Id'), 400);
  assert.equal(up.received.length, before, 'nothing forwarded');
});
