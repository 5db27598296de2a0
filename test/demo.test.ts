// End to end, as a new user runs it: `portcullis demo` as a child process, then real HTTP calls.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

test('portcullis demo serves the documented API, refuses the rest, and stops on SIGTERM', async () => {
  const [port, adminPort] = [await freePort(), await freePort()];
  // Its own temp folder: the demo's audit trail must not be shared with a demo the user runs.
  const tmp = await mkdtemp(join(tmpdir(), 'portcullis-demo-test-'));
  const child = spawn(process.execPath, ['src/cli/main.ts', 'demo', '--port', String(port), '--admin-port', String(adminPort)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: tmp } });
  after(() => rm(tmp, { recursive: true, force: true }));
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  try {
    const deadline = Date.now() + 60_000;
    while (!stderr.includes('Ctrl-C') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.match(stderr, /gateway \(protected\)\s+http:\/\/127\.0\.0\.1:\d+\/api\/v2/);
    const key = /alice\s+\S+\s+user\s+(\S+)/.exec(stderr)?.[1];
    const bare = /bare API\s+(http:\/\/\S+)\/api\/v2/.exec(stderr)?.[1];
    assert.ok(key && bare, stderr);
    const base = `http://127.0.0.1:${port}`;

    const products = await fetch(`${base}/api/v2/products`);
    assert.equal(products.status, 200);
    assert.ok(Array.isArray(((await products.json()) as { items: unknown[] }).items));
    assert.equal(products.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(products.headers.get('x-powered-by'), null);
    assert.match(products.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);

    // The demo's credentials are public: the gateway listens on loopback only.
    const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (external) await assert.rejects(fetch(`http://${external}:${port}/api/v2/products`), `reachable on ${external}`);

    const me = await fetch(`${base}/api/v2/me`, { headers: { 'x-api-key': key } });
    assert.equal(me.status, 200);

    // Undocumented on the gateway, but there on the bare API: the positive model at work.
    const debug = await fetch(`${base}/api/v2/debug/config`);
    assert.equal(debug.status, 404);
    assert.equal(debug.headers.get('content-type'), 'application/problem+json');
    assert.equal(((await debug.json()) as { code: string }).code, 'PCL_ERR_ROUTE_NOT_FOUND');
    assert.notEqual((await fetch(`${bare}/api/v2/debug/config`)).status, 404);

    const wrongMethod = await fetch(`${base}/api/v2/products`, { method: 'DELETE' });
    assert.equal(wrongMethod.status, 405);
    assert.match(wrongMethod.headers.get('allow') ?? '', /GET/);

    // The documented flaws the gateway closes already (the scanner will prove the rest).
    const bob = /bob\s+\S+\s+user\s+(\S+)/.exec(stderr)?.[1]!;
    const as = (k: string, path: string, init: RequestInit = {}) => fetch(`${base}/api/v2${path}`, { ...init, headers: { 'x-api-key': k, ...(init.headers as Record<string, string>) } });
    const mine = (await (await as(key, '/me')).json()) as Record<string, unknown>;
    assert.equal(mine.username, 'alice');
    for (const field of ['passwordHash', 'mfaSecret', 'internalNotes']) assert.ok(!(field in mine), `exposure: ${field}`);
    assert.equal((await as(key, '/admin/stats')).status, 403, 'BFLA');
    assert.equal((await as(bob, '/users/1/notes')).status, 403, 'BOLA on notes');
    const aliceOrder = (((await (await as(key, '/me/orders')).json()) as { items: { id: number }[] }).items[0]!).id;
    assert.equal((await as(key, `/orders/${aliceOrder}`)).status, 200);
    assert.equal((await as(bob, `/orders/${aliceOrder}`)).status, 403, 'BOLA on orders');
    const patch = await as(key, '/me', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"role":"admin"}' });
    assert.equal(patch.status, 400, 'mass assignment');
    assert.equal((await fetch(`${base}/api/v2/products?limit=1000000`)).status, 400, 'unbounded page size');
    assert.equal((await fetch(`${base}/api/v2/products/search?q=${encodeURIComponent("' OR 1=1--")}`)).status, 400, 'SQL injection');

    // Unlimited login attempts (login-no-rate-limit): the bare API answers 401 for ever, the gateway
    // refuses the 11th attempt in a minute from one address with 429 before the API sees it.
    const guess = (origin: string, i: number) =>
      fetch(`${origin}/api/v2/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: `guess${i}` }) });
    const bareAttempts: number[] = [];
    for (let i = 0; i < 15; i++) bareAttempts.push((await guess(bare, i)).status);
    assert.deepEqual(bareAttempts, Array(15).fill(401), 'the bare API never limits');
    // All at once, so no refill (one attempt every 6 s) can happen in between, however busy the machine.
    const replies = await Promise.all(Array.from({ length: 15 }, (_, i) => guess(base, i)));
    const attempts = replies.map((r) => r.status).sort();
    const limited = replies.find((r) => r.status === 429);
    await Promise.all(replies.map((r) => r.arrayBuffer().catch(() => {})));
    assert.deepEqual(attempts, [...Array(10).fill(401), ...Array(5).fill(429)], 'login-no-rate-limit');
    assert.ok(Number(limited!.headers.get('retry-after')) >= 1);
    assert.equal(limited!.headers.get('ratelimit-policy'), '"login-per-ip";q=10;w=60');
    assert.match(limited!.headers.get('ratelimit') ?? '', /^"login-per-ip";r=0;t=\d+$/);

    assert.equal((await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status, 200);
    // The log is buffered (at most 100 ms) so it never slows requests down.
    for (let i = 0; i < 30 && !/"op":"getMe"/.test(stdout); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(stdout, /"type":"access".*"op":"getMe"/);
    assert.doesNotMatch(stdout, new RegExp(key));
  } finally {
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, stderr);
  }
});
