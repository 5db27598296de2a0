// Lifting anomaly blocks across gateways that share them through Redis (alerts.anomalies.shareBlocks):
// a block lifted through one gateway's admin API is lifted by the others at once; a gateway that was
// cut from Redis while another lifted a block drops its copy when Redis is back; one that lifted a
// block while cut from Redis neither gets it back from the catch-up nor keeps the lift to itself.
// Skips when REDIS_URL is unset.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freshGet } from './helpers/fresh-get.ts';
import { childPids, freePort, startCli, waitUntil, type CliProcess } from './helpers/process.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';
import { keyedApiYaml } from './helpers/anomaly.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const REDIS_URL = process.env.REDIS_URL;
const KEY = 'shared-key-0123456789abcdef0123';
const TOKEN = 'admin-token-for-the-redis-blocks-test';

interface Gateway {
  readonly pid: number;
  readonly base: string;
  readonly admin: string;
}

describe('lifting anomaly blocks shared through Redis', { skip: REDIS_URL === undefined ? 'REDIS_URL is not set' : false }, () => {
  let dir: string;
  let upstream: TestUpstream;
  let relay: TcpProxy;
  /** a: one process on Redis; b: two workers on Redis through a relay that the tests cut. */
  let a: Gateway, b: Gateway;
    const procs: CliProcess[] = [];
  const prefix = `pcl-test-${randomBytes(4).toString('hex')}`;
  let started = 0;

  const start = async (redisUrl: string, workers: number): Promise<Gateway> => {
    const file = join(dir, `gw${started++}.yaml`);
    const port = await freePort();
    const adminPort = await freePort();
    await writeFile(
      file,
      `listeners: [{ port: ${port}, host: 127.0.0.1 }]
admin: { host: 127.0.0.1, port: ${adminPort}, token: ${TOKEN} }
log: { level: warn, access: false }
forwarding: { trustedProxies: [127.0.0.1] }
alerts:
  anomalies:
    credentialStuffing: { distinctCredentials: 8, window: 1m, mode: enforce, blockFor: 1m }
    shareBlocks: { redis: ${redisUrl}, prefix: ${prefix} }
${keyedApiYaml(upstream.url, { alice: KEY })}`,
    );
    const proc = startCli(['serve', '-c', file, '--workers', String(workers), '--no-watch']);
    procs.push(proc);
    const gw = { pid: proc.pid, base: `http://127.0.0.1:${port}`, admin: `http://127.0.0.1:${adminPort}` };
    await waitUntil('the gateway to be ready', async () => (await fetch(`${gw.admin}/readyz`).catch(() => undefined))?.status === 200, 90_000, 100);
    return gw;
  };
  /** One request on a connection of its own (spread over b's workers). */
  const status = async (gw: Gateway, ip: string) => (await freshGet(`${gw.base}/v1/items`, { 'x-api-key': KEY, 'x-forwarded-for': ip })).status;
  /** Ten requests: all refused or all let through, else a mix (some worker disagrees). */
  const statuses = async (gw: Gateway, ip: string) => {
    const all = await Promise.all(Array.from({ length: 10 }, () => status(gw, ip)));
    return all.every((s) => s === all[0]) ? all[0] : `mixed: ${all.join(',')}`;
  };
  const admin = async (gw: Gateway, method: string, path: string, body?: unknown) =>
    (await fetch(`${gw.admin}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined })).status;
  /** Blocks `ip` through `on`'s admin API; waits for both gateways to refuse it. */
  const block = async (ip: string, on = a) => {
    assert.equal(await admin(on, 'POST', '/api/blocks', { key: `ip:${ip}`, seconds: 600 }), 201);
    await waitUntil('gateway b to refuse', async () => (await statuses(b, ip)) === 429, 5000, 20);
    await waitUntil('gateway a to refuse', async () => (await status(a, ip)) === 429, 5000, 20);
  };
  const lift = (gw: Gateway, ip: string) => admin(gw, 'DELETE', `/api/blocks/ip%3A${encodeURIComponent(ip)}`);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pcl-blocks-redis-'));
    upstream = await startUpstream();
    const target = new URL(REDIS_URL!);
    relay = await startTcpProxy(target.hostname, Number(target.port || 6379));
    const behindRelay = new URL(REDIS_URL!);
    behindRelay.host = `127.0.0.1:${relay.port}`;
    [a, b] = await Promise.all([start(REDIS_URL!, 1), start(behindRelay.href.replace(/\/$/, ''), 2)]);
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await upstream?.close();
    await relay?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a block lifted on one gateway is lifted on the other at once', async () => {
    await block('198.51.100.1');
    assert.equal(await lift(b, '198.51.100.1'), 204);
    assert.equal(await statuses(b, '198.51.100.1'), 200);
    await waitUntil('gateway a to let the caller through', async () => (await status(a, '198.51.100.1')) === 200, 5000, 20);
    assert.equal(await lift(a, '198.51.100.1'), 404);
  });

  test('a worker that replaces a dead one while Redis is away does not get back a block lifted by another gateway', async () => {
    // Set on b, so b's primary holds it for the workers that start later.
    await block('198.51.100.4', b);
    assert.equal(await lift(a, '198.51.100.4'), 204);
    await waitUntil('gateway b to hear the lift', async () => (await statuses(b, '198.51.100.4')) === 200, 5000, 20);
    await relay.cut(); // the new worker cannot catch up from Redis: only the primary can tell it
    try {
      const [worker] = childPids(b.pid);
      assert.ok(worker, 'no worker process');
      process.kill(worker, 'SIGKILL');
      await waitUntil('a replacement worker', async () => {
        const now = childPids(b.pid);
        return now.length === 2 && !now.includes(worker) && (await fetch(`${b.admin}/readyz`)).status === 200;
      }, 60_000, 100);
      await sleep(300);
      assert.equal(await statuses(b, '198.51.100.4'), 200, 'the primary handed the lifted block to the new worker');
    } finally {
      await relay.restore();
    }
  });

  test('a gateway cut from Redis while another lifts drops its copy when Redis is back', async () => {
    await block('198.51.100.2');
    await relay.cut();
    assert.equal(await lift(a, '198.51.100.2'), 204);
    assert.equal(await status(a, '198.51.100.2'), 200);
    await sleep(300);
    assert.equal(await statuses(b, '198.51.100.2'), 429, 'b heard the lift without Redis');
    await relay.restore();
    await waitUntil('gateway b to catch up with the lift', async () => (await statuses(b, '198.51.100.2')) === 200, 15_000, 100);
  });

  test('a gateway that lifts while cut from Redis does not get the block back, and passes the lift on', async () => {
    await block('198.51.100.3');
    await relay.cut();
    assert.equal(await lift(b, '198.51.100.3'), 204);
    assert.equal(await statuses(b, '198.51.100.3'), 200);
    await sleep(300);
    assert.equal(await status(a, '198.51.100.3'), 429, 'a heard the lift without b reaching Redis');
    await relay.restore();
    await waitUntil('gateway a to hear the lift once b reaches Redis', async () => (await status(a, '198.51.100.3')) === 200, 15_000, 100);
    // Each of b's workers catches up on its own once Redis is back, the lift written before the blocks
    // are read: none may keep (or get back) the lifted block. A loaded machine may take a moment.
    await waitUntil('every worker of b to stay lifted after its catch-up', async () => (await statuses(b, '198.51.100.3')) === 200, 10_000, 100);
    await sleep(500);
    assert.equal(await statuses(b, '198.51.100.3'), 200, 'the catch-up brought the lifted block back');
  });
});
