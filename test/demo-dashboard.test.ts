// `portcullis demo` as a newcomer runs it: the banner gives the dashboard URL and admin token, and the
// sample traffic fills the pages' data (stats, events of each kind, inventory) within a minute.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

test('portcullis demo: dashboard URL and token in the banner, traffic fills every page within a minute', async () => {
  const [port, adminPort] = [await freePort(), await freePort()];
  // Its own temp folder: the demo keeps its audit trail there, apart from any other demo running.
  const tmp = await mkdtemp(join(tmpdir(), 'portcullis-demo-test-'));
  const child = spawn(process.execPath, ['src/cli/main.ts', 'demo', '--quiet', '--port', String(port), '--admin-port', String(adminPort), '--traffic-rate', '10'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, TMPDIR: tmp },
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  try {
    // Starting takes a few seconds, much more on a busy machine.
    const deadline = Date.now() + 60_000;
    while (!stderr.includes('Ctrl-C') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const started = Date.now() - 1000;
    const dashboard = /dashboard\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr)?.[1];
    const token = /admin token\s+(\S+)/.exec(stderr)?.[1];
    assert.ok(dashboard && token, stderr);
    assert.equal(dashboard, `http://127.0.0.1:${adminPort}`);
    assert.ok(token.length >= 16);
    const get = async (path: string) => (await fetch(`${dashboard}${path}`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<any>;
    assert.equal((await fetch(`${dashboard}/api/session`)).status, 401);
    assert.equal((await get('/api/session')).authenticated, true);
    assert.deepEqual(
      (await get('/api/consumers')).consumers.map((c: { id: string }) => c.id),
      ['alice', 'bob', 'carol'],
    );

    const want = ['PCL_ERR_FORBIDDEN', 'PCL_ERR_ATTACK_DETECTED', 'PCL_ERR_UNAUTHENTICATED', 'PCL_ERR_ROUTE_NOT_FOUND'];
    let reasons = new Set<string>();
    while (Date.now() - started < 60_000) {
      reasons = new Set((await get(`/api/events?verdict=deny&limit=500&from=${started}`)).events.map((e: { reason: string }) => e.reason));
      if (want.every((r) => reasons.has(r))) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.deepEqual(want.filter((r) => !reasons.has(r)), [], `events seen: ${[...reasons].join(', ')}`);
    const stats = await get('/api/stats?minutes=1');
    assert.ok(stats.totals.requests > 10 && stats.totals.denials > 0);
    assert.ok(!reasons.has('PCL_ERR_TOO_MANY_AUTH_FAILURES'), 'the traffic never locks the loopback address out');
    const inventory = await get('/api/inventory');
    assert.ok(inventory.shadow.some((s: { path: string }) => s.path === '/api/v2/debug/config'));
    assert.ok(inventory.operations.some((o: { count: number }) => o.count > 0));
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, `SIGTERM stops the demo cleanly\n${stderr}`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    await rm(tmp, { recursive: true, force: true });
  }
});
