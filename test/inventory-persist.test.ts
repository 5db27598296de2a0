// The inventory survives restarts of a real gateway process, on SQLite (the default: next to the
// audit trail) and on PostgreSQL (inventory.store): saved at shutdown (SIGTERM) and every
// saveInterval (so a SIGKILL loses at most one interval), loaded and continued at start.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { startDemoApi, type DemoApi } from '../examples/demo/api.ts';
import { openStore } from '../src/store/open.ts';
import { freePort, startCli, waitUntil, type CliProcess } from './helpers/process.ts';

const DEMO_DIR = new URL('../examples/demo/', import.meta.url).pathname;
const TOKEN = 'inventory-persist-admin-token-0123';
const DATABASE_URL = process.env.DATABASE_URL;

function suite(name: string, inventoryStore: () => string | undefined, skip: boolean) {
  describe(`inventory across restarts: ${name}`, { skip }, () => {
    let api: DemoApi;
    let dir: string;
    let configPath: string;
    let env: NodeJS.ProcessEnv;
    let gw: CliProcess | undefined;
    let base: string;
    let admin: string;

    before(async () => {
      api = await startDemoApi();
      dir = await mkdtemp(join(tmpdir(), 'portcullis-inventory-'));
      const store = inventoryStore();
      const yaml = (await readFile(`${DEMO_DIR}portcullis.yaml`, 'utf8')).replace('spec: ./openapi.yaml', `spec: ${DEMO_DIR}openapi.yaml`);
      configPath = join(dir, 'portcullis.yaml');
      await writeFile(configPath, `${yaml}\ninventory:\n  saveInterval: 300ms\n${store ? `  store: ${store}\n` : ''}`);
      const [port, adminPort] = [await freePort(), await freePort()];
      env = { DEMO_API_URL: api.url, PORTCULLIS_PORT: String(port), PORTCULLIS_ADMIN_PORT: String(adminPort), PORTCULLIS_ADMIN_TOKEN: TOKEN };
      base = `http://127.0.0.1:${port}/api/v2`;
      admin = `http://127.0.0.1:${adminPort}`;
    });
    after(async () => {
      await gw?.kill();
      await api?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const start = async () => {
      gw = startCli(['serve', '-c', configPath, '--workers', '1', '--no-watch'], { env });
      // Generous: a start takes a few seconds, far more on a loaded 2-core machine.
      await waitUntil('the gateway to be ready', async () => (await fetch(`${admin}/readyz`).catch(() => undefined))?.status === 200, 90_000, 100);
    };
    const inventory = async () => (await (await fetch(`${admin}/api/inventory`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as any;
    const count = (inv: any, id: string) => inv.operations.find((o: any) => o.operationId === id).count;
    const login = async () => {
      const alice = api.users.find((u) => u.username === 'alice')!;
      const res = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: alice.password }) });
      assert.equal(res.status, 200, await res.text());
    };

    let first: any;

    test('first run: traffic, then SIGTERM (saved at shutdown)', async () => {
      await start();
      await login();
      assert.equal((await fetch(`${base.replace('/v2', '/v1')}/users/7`)).status, 404);
      first = await inventory();
      assert.equal(count(first, 'login'), 1);
      gw!.child.kill('SIGTERM');
      assert.deepEqual(await gw!.exited(30_000), { code: 0, signal: null });
    });

    test('after the restart: counts, shadow calls, media types and `since` continue; more traffic, then SIGKILL', async () => {
      assert.ok(first, 'the first run');
      await start();
      const second = await inventory();
      assert.equal(second.since, first.since, 'observed since the first start');
      assert.equal(count(second, 'login'), 1);
      assert.deepEqual(second.operations.find((o: any) => o.operationId === 'login').responseTypes, { '2xx': { 'application/json': 1 } });
      assert.deepEqual(second.shadow.map((s: any) => `${s.method} ${s.path} ${s.count}`), ['GET /api/v1/users/{userId} 1']);
      assert.ok(second.unused.every((u: any) => u.operationId !== 'login'));
      await login();
      await login();
      assert.equal(count(await inventory(), 'login'), 3);
      await new Promise((r) => setTimeout(r, 1200)); // a few save intervals
      gw!.child.kill('SIGKILL');
      await gw!.exited(10_000);
    });

    test('after a SIGKILL: the periodic save kept the counts and the inferred schemas; one row for this node', async () => {
      assert.ok(first, 'the first run');
      await start();
      const third = await inventory();
      assert.equal(count(third, 'login'), 3, 'the periodic save kept what a SIGKILL would have lost');
      assert.equal(third.since, first.since);
      const draft = (await (await fetch(`${admin}/api/inventory/openapi`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as any;
      const post = draft.paths['/api/v2/auth/login'].post;
      assert.deepEqual(post.requestBody.content['application/json'].schema.required, ['password', 'username']);
      assert.deepEqual(post['x-portcullis-observed'].bodySamples, { request: 3, '2xx': 3 });
      gw!.child.kill('SIGTERM');
      await gw!.exited(30_000);

      // One row, under this gateway's node name (the host name, like the audit chain).
      const location = inventoryStore() ?? join(dir, '.portcullis', 'audit.db');
      const store = openStore(location);
      try {
        const rows = await store.inventory.list();
        assert.deepEqual(rows.map((r) => r.node), [hostname()]);
        assert.equal(JSON.parse(rows[0]!.data).since, first.since);
      } finally {
        await store.close();
      }
    });
  });
}

suite('SQLite (default: the audit store)', () => undefined, false);

const schema = `inv_${randomBytes(4).toString('hex')}`;
suite('PostgreSQL (inventory.store)', () => (DATABASE_URL ? `${DATABASE_URL}?schema=${schema}` : undefined), !DATABASE_URL);

after(async () => {
  if (!DATABASE_URL) return;
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});
