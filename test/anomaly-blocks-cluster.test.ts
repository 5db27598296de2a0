// Lifting anomaly blocks through the primary of `serve --workers 2`: the primary answers the admin
// API, lists the workers' blocks and relays a lift (or a manual block) to every worker before it
// answers, so the next request passes (or is refused) whichever worker takes it; the lift is recorded
// once for the gateway, by one worker.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { freshGet as get } from './helpers/fresh-get.ts';
import { waitUntil } from './helpers/process.ts';
import { sprayUntilBlocked, startAnomalyCluster, type AnomalyCluster } from './helpers/anomaly.ts';

const KEY = 'cluster-key-0123456789abcdef0123';
const TOKEN = 'admin-token-for-the-cluster-blocks-test';
const AUTH = { authorization: `Bearer ${TOKEN}` };

/** An admin call on a connection of its own. */
function adminCall(url: string, method: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { ...AUTH, ...(text === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }) };
    const req = request(url, { method, agent: false, headers, timeout: 10_000 }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(text);
  });
}

describe('lifting anomaly blocks with serve --workers 2', () => {
  let gateway: AnomalyCluster;
  let base: string;
  let admin: string;
  const many = (ip: string, n = 30) => Promise.all(Array.from({ length: n }, () => get(`${base}/v1/items`, { 'x-api-key': KEY, 'x-forwarded-for': ip }).then((r) => r.status)));

  before(async () => {
    gateway = await startAnomalyCluster({ key: KEY, blockFor: '10m', token: TOKEN });
    base = gateway.base;
    admin = gateway.admin;
  });

  after(async () => {
    await gateway?.stop();
  });

  test('a block lifted through the primary is lifted in every worker, and recorded once', async () => {
    await sprayUntilBlocked(async (key, ip) => (await get(`${base}/v1/items`, { 'x-api-key': key, 'x-forwarded-for': ip })).status);
    await waitUntil('both workers to refuse', async () => (await many('203.0.113.200')).every((s) => s === 429), 5000);
    const { blocks } = JSON.parse((await get(`${admin}/api/blocks`, AUTH)).body) as { blocks: { key: string }[] };
    assert.deepEqual(blocks.map((b) => b.key), ['net:203.0.113.0/24']);

    assert.equal((await adminCall(`${admin}/api/blocks/net%3A203.0.113.0%2F24`, 'DELETE')).status, 204);
    assert.deepEqual(await many('203.0.113.200'), Array(30).fill(200), 'a worker still blocks');
    assert.deepEqual(JSON.parse((await get(`${admin}/api/blocks`, AUTH)).body).blocks, []);
    assert.equal((await adminCall(`${admin}/api/blocks/net%3A203.0.113.0%2F24`, 'DELETE')).status, 404);

    const lifts = await waitUntil('the lift in the audit trail', async () => {
      const { events } = JSON.parse((await get(`${admin}/api/events?verdict=lifted`, AUTH)).body) as { events: { chain: string; evidence: { block: string } }[] };
      return events.length > 0 ? events : undefined;
    }, 5000);
    await new Promise((r) => setTimeout(r, 300));
    const { events } = JSON.parse((await get(`${admin}/api/events?verdict=lifted`, AUTH)).body) as { events: unknown[] };
    assert.equal(events.length, 1, 'recorded by more than one worker');
    assert.match(lifts![0]!.chain, /^gw\/w[12]$/);
    assert.equal(lifts![0]!.evidence.block, 'net:203.0.113.0/24');
  });

  test('a manual block through the primary is in force in every worker at once', async () => {
    const made = await adminCall(`${admin}/api/blocks`, 'POST', { key: 'ip:198.51.100.7', seconds: 600 });
    assert.equal(made.status, 201);
    assert.deepEqual(await many('198.51.100.7'), Array(30).fill(429));
    assert.deepEqual(await many('198.51.100.8', 10), Array(10).fill(200));
    assert.equal((await adminCall(`${admin}/api/blocks/ip%3A198.51.100.7`, 'DELETE')).status, 204);
    assert.deepEqual(await many('198.51.100.7'), Array(30).fill(200));
  });

  test('the primary answers the combined inventory: its own workers come from memory, not from the store', async () => {
    const res = await get(`${admin}/api/inventory?scope=all`, AUTH);
    assert.equal(res.status, 200, res.body);
    const inventory = JSON.parse(res.body) as { nodes: unknown[]; operations: { operationId: string; count: number }[] };
    assert.deepEqual(inventory.nodes, []);
    assert.ok(inventory.operations.find((o) => o.operationId === 'v1')!.count > 0);
  });
});
