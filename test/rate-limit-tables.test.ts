// In-process counter tables through a running gateway: one process-wide table used to hold every
// policy's keys, so a caller minting keys on one limit (a header before authentication) filled it and
// every other limit answered 429 to its new callers. Each limit now has its own table, bounded by its
// policy's store.maxKeys; a full rate-limit table evicts its least recently used key.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

describe('rate-limit tables: one per limit', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;

  before(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway(`listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: ${upstream.url} } }
apis:
  - name: public
    upstream: backend
    routes: [{ path: /public/*, operationId: pub }]
    policies:
      pre-auth-rate-limit:
        store: { maxKeys: 100 }
        limits: [{ name: per-device, algorithm: fixed-window, limit: 10, window: day, key: [header:x-device-id] }]
  - name: orders
    upstream: backend
    routes: [{ path: /orders/*, operationId: orders }]
    policies:
      rate-limit:
        limits: [{ name: per-client, algorithm: gcra, rate: 100, per: 1m, key: [header:x-client] }]
`);
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  const get = async (path: string, headers: Record<string, string>) => {
    const res = await fetch(`${gw.url}${path}`, { headers });
    await res.arrayBuffer();
    return res.status;
  };

  test('a flood of fresh keys on one limit leaves another policy\'s new callers alone, and its own new callers too', async () => {
    const flood: number[] = [];
    for (let i = 0; i < 150; i++) flood.push(await get('/public/x', { 'x-device-id': `minted-${i}` }));
    assert.deepEqual([...new Set(flood)], [200], 'a full table of the flooded limit evicts instead of refusing new devices');
    for (const client of ['victim-1', 'victim-2']) assert.equal(await get('/orders/1', { 'x-client': client }), 200, `${client} on another API`);
  });

  test('a key that keeps calling keeps its count through the flood', async () => {
    for (let i = 0; i < 10; i++) assert.equal(await get('/public/x', { 'x-device-id': 'steady' }), 200);
    for (let i = 0; i < 150; i++) {
      await get('/public/x', { 'x-device-id': `minted-again-${i}` });
      if (i % 20 === 0) assert.equal(await get('/public/x', { 'x-device-id': 'steady' }), 429, `steady is still over its limit (after ${i})`);
    }
  });
});
