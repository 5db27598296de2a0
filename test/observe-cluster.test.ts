// `serve --workers 2` with the audit trail and the admin API: the primary's /metrics, /api/stats and
// /api/inventory add up both workers; each worker writes its own audit chain to the shared SQLite
// file, both verify; after SIGTERM every event is in the store.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, runCli, startCli, waitUntil, type CliProcess } from './helpers/process.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';
import { freshGet } from './helpers/fresh-get.ts';

const TOKEN = 'cluster-admin-token-0123456789';

/** GET on a fresh connection, so SO_REUSEPORT spreads requests over the workers. */
const get = freshGet;

describe('observability with serve --workers 2', () => {
  let dir: string;
  let upstream: TestUpstream;
  let gw: CliProcess;
  let base: string;
  let admin: string;
  let configPath: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pcl-observe-cluster-'));
    upstream = await startUpstream();
    const port = await freePort();
    const adminPort = await freePort();
    configPath = join(dir, 'portcullis.yaml');
    await writeFile(
      configPath,
      `listeners: [{ port: ${port}, host: 127.0.0.1 }]
admin: { host: 127.0.0.1, port: ${adminPort}, token: ${TOKEN} }
log: { level: warn, access: false }
audit: { enabled: true, store: audit.db, chain: gw, flushInterval: 20ms }
upstreams: { backend: { url: ${upstream.url} } }
apis:
  - name: api
    upstream: backend
    routes: [{ path: /v1/*, operationId: v1 }]
`,
    );
    gw = startCli(['serve', '-c', configPath, '--workers', '2', '--no-watch']);
    base = `http://127.0.0.1:${port}`;
    admin = `http://127.0.0.1:${adminPort}`;
    await waitUntil('readyz 200', async () => (await get(`${admin}/readyz`)).status === 200, 60_000, 100);
  });

  after(async () => {
    await gw?.kill();
    await upstream?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('metrics, stats and inventory add up both workers; each worker writes its own chain; all verify', async () => {
    const statuses = await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => get(`${base}/v1/items/${i}`)),
      ...Array.from({ length: 10 }, () => get(`${base}/nowhere`)),
    ]);
    assert.deepEqual(statuses.map((r) => r.status).sort(), [...Array(30).fill(200), ...Array(10).fill(404)]);
    const auth = { authorization: `Bearer ${TOKEN}` };
    assert.equal((await get(`${admin}/metrics`)).status, 401);
    const metrics = (await get(`${admin}/metrics`, auth)).body;
    assert.match(metrics, /portcullis_requests_total\{api="api",operation="v1",status_class="2xx",decision="allow"\} 30/);
    assert.match(metrics, /portcullis_denials_total\{policy="route",reason="PCL_ERR_ROUTE_NOT_FOUND"\} 10/);
    const stats = JSON.parse((await get(`${admin}/api/stats?minutes=1`, auth)).body);
    assert.equal(stats.totals.requests, 40);
    assert.equal(stats.totals.denials, 10);
    const inventory = JSON.parse((await get(`${admin}/api/inventory`, auth)).body);
    assert.equal(inventory.operations.find((o: { operationId: string }) => o.operationId === 'v1').count, 30);
    assert.deepEqual(inventory.shadow.map((s: { api: string | null; path: string; count: number }) => `${s.api} ${s.path} ${s.count}`).sort(), ['api /v1/items/{itemId} 30', 'null /nowhere 10']);
    // Only refusals are recorded (sampleAllowed: 0): 10 events, spread over the workers' chains.
    await waitUntil('10 audit events', async () => JSON.parse((await get(`${admin}/api/events?limit=100`, auth)).body).events.length === 10, 5000, 50);
    const events = JSON.parse((await get(`${admin}/api/events?limit=100`, auth)).body).events as { chain: string }[];
    assert.ok(events.every((e) => e.chain === 'gw/w1' || e.chain === 'gw/w2'), JSON.stringify(events.map((e) => e.chain)));
    gw.child.kill('SIGTERM');
    assert.equal((await gw.exited(20_000)).code, 0);
    const verify = await runCli(['audit-log', 'verify', '-c', configPath], { timeoutMs: 60_000 });
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    const chains = verify.stdout.match(/^chain gw\/w\d: \d+ events/gm) ?? [];
    assert.equal(chains.length, new Set(events.map((e) => e.chain)).size);
    assert.match(verify.stdout, /OK/);
  });
});
