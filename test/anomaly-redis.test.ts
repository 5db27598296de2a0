// Anomaly blocks across separate gateways sharing Redis (alerts.anomalies.shareBlocks): a network
// blocked for credential stuffing by one gateway is refused at once by another; a gateway that cannot
// reach Redis keeps serving, and catches up with the blocks set meanwhile once Redis is back.
// Skips when REDIS_URL is unset.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, startCli, waitUntil, type CliProcess } from './helpers/process.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';
import { keyedApiYaml, sprayUntilBlocked } from './helpers/anomaly.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const REDIS_URL = process.env.REDIS_URL;
const KEY = 'shared-key-0123456789abcdef0123';

describe('anomaly blocks shared through Redis', { skip: REDIS_URL === undefined ? 'REDIS_URL is not set' : false }, () => {
  let dir: string;
  let upstream: TestUpstream;
  let relay: TcpProxy;
  /** Two gateways on Redis, one whose Redis is unreachable at first. */
  let a: string, b: string, c: string;
  const procs: CliProcess[] = [];
  const prefix = `pcl-test-${randomBytes(4).toString('hex')}`;
  let started = 0;

  /** Starts one gateway process; resolves with its base URL once it answers. */
  const start = async (redisUrl: string): Promise<string> => {
    const file = join(dir, `gw${started++}.yaml`);
    const port = await freePort();
    await writeFile(
      file,
      `listeners: [{ port: ${port}, host: 127.0.0.1 }]
admin: { enabled: false }
log: { level: warn, access: false }
forwarding: { trustedProxies: [127.0.0.1] }
alerts:
  anomalies:
    credentialStuffing: { distinctCredentials: 8, window: 1m, mode: enforce, blockFor: 1m }
    shareBlocks: { redis: ${redisUrl}, prefix: ${prefix} }
${keyedApiYaml(upstream.url, { alice: KEY })}`,
    );
    procs.push(startCli(['serve', '-c', file, '--workers', '1', '--no-watch']));
    const base = `http://127.0.0.1:${port}`;
    await waitUntil('the gateway to answer', async () => (await fetch(`${base}/v1/x`, { headers: { 'x-api-key': KEY } })).status === 200, 90_000, 100);
    return base;
  };
  const call = async (base: string, key: string, ip: string) => {
    const res = await fetch(`${base}/v1/items`, { headers: { 'x-api-key': key, 'x-forwarded-for': ip } });
    return { status: res.status, body: await res.text() };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pcl-anomaly-redis-'));
    upstream = await startUpstream();
    const target = new URL(REDIS_URL!);
    relay = await startTcpProxy(target.hostname, Number(target.port || 6379));
    await relay.cut();
    const behindRelay = new URL(REDIS_URL!);
    behindRelay.host = `127.0.0.1:${relay.port}`;
    [a, b, c] = await Promise.all([start(REDIS_URL!), start(REDIS_URL!), start(behindRelay.href.replace(/\/$/, ''))]);
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await upstream?.close();
    await relay?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a network blocked by one gateway is refused by the others; one without Redis catches up when it is back', async () => {
    assert.equal((await call(b, KEY, '203.0.113.200')).status, 200);
    await sprayUntilBlocked(async (key, ip) => (await call(a, key, ip)).status, 40);
    // Gateway b saw none of the attempts; it refuses the network once the block arrives.
    const refused = await waitUntil('gateway b to refuse the network', async () => {
      const res = await call(b, KEY, '203.0.113.200');
      return res.status === 429 ? res : undefined;
    }, 5000, 20);
    assert.equal(JSON.parse(refused!.body).code, 'PCL_ERR_CALLER_BLOCKED');
    assert.equal((await call(b, KEY, '198.51.100.1')).status, 200, 'another network was blocked');
    // Gateway c could not hear it (Redis unreachable) and kept serving...
    assert.equal((await call(c, KEY, '203.0.113.201')).status, 200);
    // ...until Redis is back: it reads the blocks still running.
    await relay.restore();
    await waitUntil('gateway c to catch up', async () => (await call(c, KEY, '203.0.113.201')).status === 429, 15_000, 100);
    assert.equal((await call(c, KEY, '198.51.100.1')).status, 200);
  });
});
