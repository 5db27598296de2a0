// Discovery on the demo, as shipped (examples/demo/portcullis.yaml: audit trail and admin API on):
// after a known set of calls, the inventory's shadow, zombie and unused lists are exactly what the
// demo's OpenAPI document and those calls imply, and the calls are in the audit trail.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { startDemoApi, type DemoApi } from '../examples/demo/api.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { runCli } from './helpers/process.ts';

const DEMO_DIR = new URL('../examples/demo/', import.meta.url).pathname;
const TOKEN = 'inventory-test-admin-token-0123';

describe('inventory of the demo API', () => {
  let api: DemoApi;
  let gw: TestGateway;
  let documented: { operationId: string; deprecated: boolean }[];

  before(async () => {
    api = await startDemoApi();
    const spec = parse(await readFile(`${DEMO_DIR}openapi.yaml`, 'utf8')) as { paths: Record<string, Record<string, { operationId: string; deprecated?: boolean }>> };
    documented = Object.values(spec.paths).flatMap((item) => Object.values(item).filter((o) => o && typeof o === 'object' && 'operationId' in o).map((o) => ({ operationId: o.operationId, deprecated: o.deprecated === true })));
    const yaml = (await readFile(`${DEMO_DIR}portcullis.yaml`, 'utf8')).replace('spec: ./openapi.yaml', `spec: ${DEMO_DIR}openapi.yaml`);
    gw = await startTestGateway(yaml, {}, { ...process.env, DEMO_API_URL: api.url, PORTCULLIS_PORT: '0', PORTCULLIS_ADMIN_PORT: '0', PORTCULLIS_ADMIN_TOKEN: TOKEN });
  });
  after(async () => {
    await gw?.close();
    await api?.close();
  });

  test('shadow, zombie and unused are exact; the refusals are audit events', async () => {
    const alice = { 'x-api-key': api.users.find((u) => u.username === 'alice')!.apiKey };
    const calls: [string, Record<string, string>, number][] = [
      ['/api/v2/health', {}, 200],
      ['/api/v2/products', {}, 200],
      ['/api/v2/me', alice, 200],
      ['/api/v2/me/profile', alice, 200], // deprecated, still called: zombie
      ['/api/v2/debug/config', {}, 404], // undocumented: shadow
      ['/api/v1/users/1', {}, 404], // the old version: shadow and zombie
      ['/api/v1/users/2', {}, 404],
      ['/api/v1/orders/5f0c2a7e-1d2b-4c3d-8e9f-0a1b2c3d4e5f', {}, 404],
    ];
    for (const [path, headers, status] of calls) {
      const res = await fetch(`${gw.url}${path}`, { headers });
      await res.arrayBuffer();
      assert.equal(res.status, status, path);
    }
    const inventory = (await (await fetch(`${gw.adminUrl}/api/inventory`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as any;
    assert.deepEqual(inventory.shadow.map((s: any) => `${s.method} ${s.path} ${s.count}`).sort(), [
      'GET /api/v1/orders/{orderId} 1',
      'GET /api/v1/users/{userId} 2',
      'GET /api/v2/debug/config 1',
    ]);
    assert.deepEqual(inventory.zombie.map((z: any) => `${z.kind} ${z.path}`).sort(), [
      'deprecated /api/v2/me/profile',
      'older-version /api/v1/orders/{orderId}',
      'older-version /api/v1/users/{userId}',
    ]);
    const called = new Set(['getHealth', 'listProducts', 'getMe', 'getMyProfile']);
    assert.deepEqual(
      inventory.unused.map((u: any) => u.operationId).sort(),
      documented.map((o) => o.operationId).filter((id) => !called.has(id)).sort(),
    );
    assert.equal(documented.filter((o) => o.deprecated).length, 1);
    await new Promise((r) => setTimeout(r, 400)); // the audit flush interval
    const events = (await (await fetch(`${gw.adminUrl}/api/events?verdict=deny&limit=50`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as any;
    assert.deepEqual(events.events.map((e: any) => e.path).sort(), ['/api/v1/orders/5f0c2a7e-1d2b-4c3d-8e9f-0a1b2c3d4e5f', '/api/v1/users/1', '/api/v1/users/2', '/api/v2/debug/config']);
  });

  test('portcullis inventory prints the same lists and writes the OpenAPI draft', async () => {
    const env = { PORTCULLIS_ADMIN_TOKEN: TOKEN };
    const text = await runCli(['inventory', '--admin', gw.adminUrl!], { env, timeoutMs: 60_000 });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /SHADOW[^\n]*\n\s+2\s+GET\s+\/api\/v1\/users\/\{userId\}/);
    assert.match(text.stdout, /ZOMBIE[\s\S]*\/api\/v2\/me\/profile\s+\(deprecated\)/);
    const draft = join(gw.dir, 'observed.json');
    const json = await runCli(['inventory', '--admin', gw.adminUrl!, '--json', '--openapi', draft], { env, timeoutMs: 60_000 });
    assert.equal(json.code, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout).unused.length, documented.length - 4);
    const doc = JSON.parse(await readFile(draft, 'utf8'));
    assert.deepEqual(Object.keys(doc.paths).filter((p) => p.startsWith('/api/v1')).sort(), ['/api/v1/orders/{orderId}', '/api/v1/users/{userId}']);
    const refused = await runCli(['inventory', '--admin', gw.adminUrl!], { env: { PORTCULLIS_ADMIN_TOKEN: 'wrong-token-0123456789' }, timeoutMs: 60_000 });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /refused the token/);
  });
});
