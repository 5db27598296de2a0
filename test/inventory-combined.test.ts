// The combined inventory of gateways sharing one PostgreSQL store: two real gateways (nodes "gw-a" and
// "gw-b") save their inventory to the same store; /api/inventory?scope=all on either adds the other's
// saved snapshot to its own live inventory — counts and status mixes summed, first seen the earliest,
// last seen the latest, media types and query parameter names unioned — and names the nodes it read.
// Skips when DATABASE_URL is unset.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import pg from 'pg';
import { parse } from 'yaml';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { runCli, waitUntil } from './helpers/process.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const DATABASE_URL = process.env.DATABASE_URL;
const TOKEN = 'admin-token-for-the-combined-inventory';

const SPEC = `openapi: 3.0.3
info: { title: shop, version: '1' }
servers: [{ url: /v1 }]
paths:
  /items:
    get: { operationId: listItems, responses: { '200': { description: ok } } }
    post: { operationId: createItem, responses: { '200': { description: ok } } }
`;

function yaml(upstreamUrl: string, node: string, store: string | undefined): string {
  return `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { host: 127.0.0.1, port: 0, token: ${TOKEN} }
log: { access: false }
audit: { enabled: false, chain: ${node} }
inventory: { ${store ? `store: "${store}", saveInterval: 100ms` : 'persist: false'} }
upstreams: { backend: { url: ${upstreamUrl} } }
apis:
  - name: shop
    spec: ./openapi.yaml
    upstream: backend
`;
}

/** Checks an answer against a schema of docs/admin-api.yaml, so the document cannot drift from the API. */
async function documented(): Promise<(name: string, value: unknown) => void> {
  const doc = parse(await readFile(new URL('../docs/admin-api.yaml', import.meta.url), 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addSchema({ $id: 'admin-api', components: doc.components });
  return (name, value) => {
    const validate = ajv.getSchema(`admin-api#/components/schemas/${name}`)!;
    assert.ok(validate(value), `${name}: ${JSON.stringify(validate.errors)}`);
  };
}

interface Usage {
  count: number;
  firstSeen: number | null;
  lastSeen: number | null;
  status: Record<string, number>;
  requestTypes: Record<string, number>;
  responseTypes: Record<string, Record<string, number>>;
}
type Inventory = { operations: (Usage & { operationId: string })[]; shadow: (Usage & { path: string; queryNames: string[] })[]; nodes?: { node: string; savedAt: number }[] };

describe('combined inventory of gateways sharing a PostgreSQL store', { skip: DATABASE_URL === undefined ? 'DATABASE_URL is not set' : false }, () => {
  const schema = `pcl_inv_${randomBytes(4).toString('hex')}`;
  let upstream: TestUpstream;
  let a: TestGateway, b: TestGateway;
  const get = async (gw: TestGateway, path: string) => {
    const res = await fetch(`${gw.adminUrl}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
  };
  const inventory = async (gw: TestGateway, scope?: string) => (await get(gw, `/api/inventory${scope ? `?scope=${scope}` : ''}`)).body as Inventory;
  const op = (inv: Inventory, id: string) => inv.operations.find((o) => o.operationId === id)!;
  const shadow = (inv: Inventory) => inv.shadow.find((s) => s.path === '/v1/debug')!;

  before(async () => {
    upstream = await startUpstream();
    const store = `${DATABASE_URL}?schema=${schema}`;
    a = await startTestGateway(yaml(upstream.url, 'gw-a', store), { 'openapi.yaml': SPEC });
    b = await startTestGateway(yaml(upstream.url, 'gw-b', store), { 'openapi.yaml': SPEC });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await upstream?.close();
    if (DATABASE_URL) {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  });

  test('scope=all merges the other gateway\'s saved inventory into this one\'s', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await fetch(`${a.url}/v1/items`)).status, 200);
    assert.equal((await fetch(`${a.url}/v1/debug?x=1`)).status, 404);
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 2; i++) assert.equal((await fetch(`${b.url}/v1/items`)).status, 200);
    const created = await fetch(`${b.url}/v1/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' });
    assert.equal(created.status, 200);
    assert.equal((await fetch(`${b.url}/v1/debug?y=2`)).status, 404);
    assert.equal((await fetch(`${b.url}/v1/debug?x=3`)).status, 404);

    const [ownA, ownB] = [await inventory(a), await inventory(b)];
    assert.equal(op(ownA, 'listItems').count, 3);
    assert.equal(ownA.nodes, undefined);
    // Each sees the other once it has saved (every 100 ms).
    const all = await waitUntil('gateway b\'s snapshot in a\'s combined inventory', async () => {
      const inv = await inventory(a, 'all');
      return op(inv, 'createItem').count === 1 && shadow(inv).count === 3 ? inv : undefined;
    }, 10_000, 100);
    assert.deepEqual(all!.nodes!.map((n) => n.node), ['gw-b']);
    (await documented())('Inventory', all);
    const list = op(all!, 'listItems');
    assert.equal(list.count, 5);
    assert.equal(list.firstSeen, Math.min(op(ownA, 'listItems').firstSeen!, op(ownB, 'listItems').firstSeen!));
    assert.equal(list.firstSeen, op(ownA, 'listItems').firstSeen);
    assert.equal(list.lastSeen, op(ownB, 'listItems').lastSeen);
    assert.equal(list.status['2xx'], 5);
    assert.deepEqual(list.responseTypes, { '2xx': { 'application/json': 5 } });
    assert.deepEqual(op(all!, 'createItem').requestTypes, { 'application/json': 1 });
    const debug = shadow(all!);
    assert.equal(debug.status['4xx'], 3);
    assert.deepEqual([...debug.queryNames].sort(), ['x', 'y']);

    // And the other way round; the OpenAPI draft can be combined too.
    // Gateway a saves on its own timer too: its latest snapshot may still be on the way.
    const fromB = (await waitUntil('gateway a\'s snapshot in b\'s combined inventory', async () => {
      const inv = await inventory(b, 'all');
      return op(inv, 'listItems').count === 5 ? inv : undefined;
    }, 10_000, 100))!;
    assert.deepEqual(fromB.nodes!.map((n) => n.node), ['gw-a']);
    assert.equal(op(fromB, 'listItems').count, 5);
    const draft = (await get(b, '/api/inventory/openapi?scope=all')).body;
    assert.equal(draft.paths['/v1/items'].get['x-portcullis-observed'].count, 5);

    // The CLI through a gateway, with --all.
    const through = await runCli(['inventory', '--admin', a.adminUrl!, '--all', '--json'], { env: { PORTCULLIS_ADMIN_TOKEN: TOKEN }, timeoutMs: 60_000 });
    assert.equal(through.code, 0, through.stderr);
    assert.equal(op(JSON.parse(through.stdout) as Inventory, 'listItems').count, 5);

    // From the store alone, with the config's routes: both nodes (their last saves).
    const table = await runCli(['inventory', '--store', `${DATABASE_URL}?schema=${schema}`, '-c', a.configPath], { timeoutMs: 60_000 });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /nodes: gw-a \(saved .*\), gw-b/);
    assert.match(table.stdout, /\s5 {2}GET {5}\/v1\/items/);
  });

  test('a malformed scope is a 400; scope=all without a store is a 404; --store on a missing file fails', async () => {
    const missing = await runCli(['inventory', '--store', './no-such-store.db', '-c', a.configPath], { timeoutMs: 60_000 });
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /no store at/);
    for (const q of ['scope=every', 'scope=all&scope=all', 'other=1']) {
      const res = await get(a, `/api/inventory?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(res.type, 'application/problem+json');
    }
    const alone = await startTestGateway(yaml(upstream.url, 'gw-c', undefined), { 'openapi.yaml': SPEC });
    try {
      const res = await get(alone, '/api/inventory?scope=all');
      assert.equal(res.status, 404);
      assert.equal(res.body.code, 'PCL_ERR_ROUTE_NOT_FOUND');
      assert.equal((await get(alone, '/api/inventory?scope=gateway')).status, 200);
    } finally {
      await alone.close();
    }
  });
});
