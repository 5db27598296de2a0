// Administrators' changes through the primary of `serve --workers 2`: the primary answers the admin
// API but writes no audit trail, so it hands each change to one worker, which writes it to its chain
// before the API answers: every change is in the trail once, and in the primary's log.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freshGet } from './helpers/fresh-get.ts';
import { freePort, startCli, waitUntil, type CliProcess } from './helpers/process.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const TOKEN = 'admin-token-for-the-admin-audit-cluster-test';

describe('admin changes with serve --workers 2', () => {
  let dir: string;
  let upstream: TestUpstream;
  let gw: CliProcess;
  let admin: string;
  let base: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pcl-admin-audit-cluster-'));
    upstream = await startUpstream();
    const [port, adminPort] = [await freePort(), await freePort()];
    const configPath = join(dir, 'portcullis.yaml');
    await writeFile(
      configPath,
      `listeners: [{ port: ${port}, host: 127.0.0.1 }]
admin: { host: 127.0.0.1, port: ${adminPort}, token: ${TOKEN}, store: keys.db }
log: { level: info, access: false }
audit: { enabled: true, store: audit.db, chain: gw, flushInterval: 1s }
upstreams: { backend: { url: ${upstream.url} } }
apis:
  - name: api
    upstream: backend
    routes: [{ path: /v1/*, operationId: v1 }]
    policies:
      auth-apikey: { store: keys.db, cacheTtl: 200ms }
`,
    );
    gw = startCli(['serve', '-c', configPath, '--workers', '2', '--no-watch']);
    admin = `http://127.0.0.1:${adminPort}`;
    base = `http://127.0.0.1:${port}`;
    await waitUntil('readyz 200', async () => (await freshGet(`${admin}/readyz`).catch(() => ({ status: 0 }))).status === 200, 100_000, 100);
  });

  after(async () => {
    await gw?.kill();
    await upstream?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const post = async (path: string, body?: unknown) => {
    const res = await fetch(`${admin}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, id: res.headers.get('x-request-id'), json: (await res.json()) as Record<string, string> };
  };

  test('each change is written once, by a worker, before the primary answers', async () => {
    const steps = [await post('/api/consumers', { id: 'ops', roles: ['admin'] }), await post('/api/consumers/ops/keys', {})];
    const key = steps[1]!.json;
    assert.equal((await freshGet(`${base}/v1/x`, { 'x-api-key': key.key! })).status, 200);
    steps.push(await post(`/api/keys/${key.id}/revoke`));
    assert.deepEqual(steps.map((s) => s.status), [200, 201, 200]);

    // The flush interval is 1 s: found at once means flushed before the answer.
    const got = await freshGet(`${admin}/api/events?policy=admin`, { authorization: `Bearer ${TOKEN}` });
    const events = (JSON.parse(got.body) as { events: { chain: string; verdict: string; requestId: string; subject: string; consumer: string; evidence: { keyId?: string } }[] }).events.toReversed();
    assert.deepEqual(events.map((e) => e.verdict), ['consumer-created', 'key-created', 'key-revoked']);
    assert.deepEqual(events.map((e) => e.requestId), steps.map((s) => s.id));
    for (const e of events) {
      assert.match(e.chain, /^gw\/w[12]$/);
      assert.equal(e.subject, 'admin-token');
      assert.equal(e.consumer, 'ops');
    }
    assert.equal(events[2]!.evidence.keyId, key.id);
    assert.ok(!got.body.includes(key.key!), 'the key is not recorded');

    const logged = await waitUntil('the log lines of the primary', () => {
      const lines = gw.stdout().split('\n').filter((l) => l.includes('"admin change: '));
      return lines.length === 3 ? lines : undefined;
    });
    assert.deepEqual(logged!.map((l) => (JSON.parse(l) as { reqId: string }).reqId), steps.map((s) => s.id));
    assert.ok(!gw.stdout().includes(key.key!));
    assert.ok(!/NOT in the audit trail/.test(gw.stdout()));
  });
});
