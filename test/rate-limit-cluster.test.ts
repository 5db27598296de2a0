// Rate limits across processes. `serve --workers 2`: the workers share the primary's counters, so a
// limit is not multiplied by the number of workers. Three gateway processes sharing one Redis: 200
// concurrent clients on one consumer are admitted exactly L times; with Redis cut mid-run every limit
// follows onStoreError (local: L / instances per gateway), nothing is stuck, no 5xx, and shared
// limits are back within 2 s after Redis returns. Redis tests skip when REDIS_URL is unset.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashApiKey } from '../src/auth/api-key.ts';
import { freePort, startCli, waitUntil, type CliProcess } from './helpers/process.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const KEY = 'cluster-key-0123456789abcdef0123';
const KEY2 = 'cluster-key-2-0123456789abcdef01';

/** GET on a fresh connection (SO_REUSEPORT spreads them over the workers): status and time taken. */
function get(url: string, timeoutMs = 15_000, key = KEY): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false, timeout: timeoutMs, headers: { 'x-api-key': key } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** `n` requests with at most `clients` in flight, spread round-robin over the gateways. */
async function load(bases: readonly string[], n: number, clients: number, key = KEY): Promise<{ status: number; ms: number; gateway: number }[]> {
  const out: { status: number; ms: number; gateway: number }[] = [];
  let next = 0;
  const client = async () => {
    while (next < n) {
      const i = next++;
      const gateway = i % bases.length;
      out.push({ ...(await get(`${bases[gateway]}/x`, 15_000, key)), gateway });
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return out;
}

const count = (replies: readonly { status: number }[], status: number) => replies.filter((r) => r.status === status).length;

function config(o: { port: number; adminPort: number; upstream: string; store: string; limit: number }): string {
  return `listeners:
  - port: ${o.port}
    host: 127.0.0.1
admin:
  host: 127.0.0.1
  port: ${o.adminPort}
log:
  level: warn
  access: false
upstreams:
  backend:
    url: ${o.upstream}
apis:
  - name: api
    upstream: backend
    routes:
      - path: /*
        operationId: all
    policies:
      auth-apikey:
        format: any
        bruteForce: { enabled: false }
        consumers:
          - id: c1
            keys: [{ sha256: ${hashApiKey(KEY)} }]
          - id: c2
            keys: [{ sha256: ${hashApiKey(KEY2)} }]
      rate-limit:
${o.store}        limits:
          - name: per-consumer
            algorithm: fixed-window
            limit: ${o.limit}
            window: day
`;
}

interface Gateways {
  readonly bases: string[];
  readonly procs: CliProcess[];
  stop(): Promise<void>;
}

async function startGateways(n: number, workers: number, upstream: string, store: string, limit: number): Promise<Gateways> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-rl-cluster-'));
  const bases: string[] = [];
  const procs: CliProcess[] = [];
  const admins: number[] = [];
  for (let i = 0; i < n; i++) {
    const port = await freePort();
    const adminPort = await freePort();
    const file = join(dir, `gw${i}.yaml`);
    await writeFile(file, config({ port, adminPort, upstream, store, limit }));
    procs.push(startCli(['serve', '-c', file, '--workers', String(workers), '--no-watch']));
    bases.push(`http://127.0.0.1:${port}`);
    admins.push(adminPort);
  }
  const stop = async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const a of admins) {
      await waitUntil('gateway ready', async () => (await get(`http://127.0.0.1:${a}/readyz`, 1000).catch(() => ({ status: 0 }))).status === 200, 90_000, 100);
    }
  } catch (error) {
    await stop(); // no process outlives a failed start
    throw error;
  }
  return { bases, procs, stop };
}

describe('serve --workers 2: one limit for the whole gateway', () => {
  let upstream: TestUpstream;
  let gws: Gateways;

  before(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gws = await startGateways(1, 2, upstream.url, '        store: { timeout: 2s }\n', 30);
  });
  after(async () => {
    await gws?.stop();
    await upstream?.close();
  });

  test('90 requests over fresh connections to two workers: exactly 30 admitted', async () => {
    const replies = await load(gws.bases, 90, 30);
    assert.equal(count(replies, 200), 30);
    assert.equal(count(replies, 429), 60);
  });
});

const REDIS_URL = process.env.REDIS_URL;

describe('three gateways sharing Redis', { skip: REDIS_URL === undefined ? 'REDIS_URL is not set' : false }, () => {
  let upstream: TestUpstream;
  let proxy: TcpProxy;
  let gws: Gateways;
  const L = 240;

  before(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    const target = new URL(REDIS_URL!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
    const url = new URL(REDIS_URL!);
    url.host = `127.0.0.1:${proxy.port}`;
    const prefix = `t${randomBytes(6).toString('hex')}`;
    const store = `        store: { redis: "${url.toString()}", prefix: ${prefix}, instances: 3, timeout: 2s }\n        onStoreError: local\n`;
    gws = await startGateways(3, 1, upstream.url, store, L);
  });
  after(async () => {
    await gws?.stop();
    await proxy?.close();
    await upstream?.close();
  });

  test(`200 concurrent clients on one consumer, limit ${L}: exactly ${L} admitted over the three gateways`, async () => {
    const replies = await load(gws.bases, 3 * L, 200);
    const admitted = count(replies, 200);
    const fellBack = gws.procs.map((p) => p.stdout().split('\n').find((line) => line.includes('counter store unavailable'))).filter(Boolean);
    assert.ok(admitted <= L, `admitted ${admitted} > ${L}${fellBack.length ? ` (fell back to local counters: ${fellBack.join(' ')})` : ''}`);
    assert.ok(admitted >= Math.ceil(0.99 * L), `admitted ${admitted} < 0.99 × ${L}`);
    assert.equal(count(replies, 429), replies.length - admitted, 'every other answer is 429');
    for (let g = 0; g < 3; g++) assert.ok(replies.some((r) => r.gateway === g && r.status === 200), `gateway ${g} admitted some`);
  });

  test('Redis cut mid-run: each gateway counts alone (L / 3), no 5xx, nothing stuck; shared again within 2 s of its return', async () => {
    assert.equal(count(await load(gws.bases, L / 2, 20, KEY2), 200), L / 2, 'half of the budget used through Redis');
    await proxy.cut();
    const during = await load(gws.bases, 3 * (L / 3 + 20), 30, KEY2);
    assert.deepEqual([...new Set(during.map((r) => r.status))].sort(), [200, 429], 'only admissions and 429s');
    for (let g = 0; g < 3; g++) {
      assert.equal(count(during.filter((r) => r.gateway === g), 200), L / 3, `gateway ${g} admits its share L / 3 on its own`);
    }
    const slowest = Math.max(...during.map((r) => r.ms));
    assert.ok(slowest < 10_000, `slowest answer ${Math.round(slowest)} ms`);

    // Every local budget is spent; Redis still has L / 2 left. A 200 means the shared counter is back.
    await proxy.restore();
    const restored = performance.now();
    let sharedAdmitted = 0;
    for (const base of gws.bases) {
      await waitUntil('a shared decision', async () => {
        const r = await get(`${base}/x`, 5000, KEY2);
        if (r.status === 200) sharedAdmitted++;
        return r.status === 200;
      }, 5000, 50);
    }
    const backAfter = performance.now() - restored;
    assert.ok(backAfter < 2000, `shared limits back after ${Math.round(backAfter)} ms`);
    const rest = await load(gws.bases, L, 30, KEY2);
    assert.equal(sharedAdmitted + count(rest, 200), L / 2, 'exactly the rest of the shared budget');
  });

  test('a Redis that accepts connections but never answers: every request is answered within the store timeout', async () => {
    proxy.silent(true);
    try {
      const replies = await load(gws.bases, 12, 12, KEY2);
      assert.ok(replies.every((r) => r.status === 429 || r.status === 200), JSON.stringify(replies.map((r) => r.status)));
      const times = replies.map((r) => r.ms);
      assert.ok(Math.max(...times) < 10_000, `slowest answer ${Math.round(Math.max(...times))} ms`);
      assert.ok(Math.min(...times) >= 1990, 'the gateways waited for the store timeout (2 s) before falling back');
    } finally {
      proxy.silent(false);
    }
  });
});
