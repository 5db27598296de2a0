// End-to-end through the CLI: `portcullis serve --workers 2` as a real child process (readiness,
// worker crash and replacement, SIGHUP reload in every worker, SIGTERM drain), startup failures, and
// `portcullis check` exit codes and messages.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';
import { childPids, freePort, isAlive, listenSockets, runCli, startCli, waitUntil, type CliProcess } from './helpers/process.ts';

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** GET on a fresh connection (so SO_REUSEPORT spreads requests over the workers). */
function get(url: string, timeoutMs = 5000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

async function many(url: string, n: number): Promise<Reply[]> {
  return Promise.all(Array.from({ length: n }, () => get(url)));
}

function config(o: { port: number; adminPort: number; upstream: string; prefix: string; level?: string }): string {
  return `listeners:
  - port: ${o.port}
    host: 127.0.0.1
admin:
  host: 127.0.0.1
  port: ${o.adminPort}
limits:
  drainTimeout: 10s
log:
  level: ${o.level ?? 'info'}
upstreams:
  backend:
    url: ${o.upstream}
apis:
  - name: api
    upstream: backend
    routes:
      - path: /${o.prefix}/*
        operationId: ${o.prefix}
`;
}

const NO_STACK = /^\s+at .+\(?.+:\d+:\d+\)?$/m;

describe('serve --workers 2', () => {
  let dir: string;
  let upstream: TestUpstream;
  let gw: CliProcess;
  let port: number;
  let adminPort: number;
  let configPath: string;
  let base: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-cluster-'));
    upstream = await startUpstream((req, res) => {
      const answer = () => res.end(`up:${req.url}`);
      if (req.url?.includes('slow')) setTimeout(answer, 1500);
      else answer();
    });
    port = await freePort();
    adminPort = await freePort();
    configPath = join(dir, 'portcullis.yaml');
    await writeFile(configPath, config({ port, adminPort, upstream: upstream.url, prefix: 'v1' }));
    // --no-watch: the reload below must come from SIGHUP, not from the file watcher.
    gw = startCli(['serve', '-c', configPath, '--workers', '2', '--no-watch']);
    base = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await gw?.kill();
    await upstream?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('/readyz on the admin port turns 200 once both workers are ready, and requests are served', async () => {
    await waitUntil('readyz 200', async () => (await get(`http://127.0.0.1:${adminPort}/readyz`, 1000)).status === 200, 15_000, 100);
    assert.equal((await get(`http://127.0.0.1:${adminPort}/healthz`)).status, 200);
    assert.equal(childPids(gw.pid).length, 2, 'two worker processes');
    const replies = await many(`${base}/v1/hello`, 20);
    for (const r of replies) {
      assert.equal(r.status, 200);
      assert.equal(r.body, 'up:/v1/hello');
    }
    assert.equal((await get(`${base}/elsewhere`)).status, 404);
  });

  test('a killed worker is replaced and requests keep succeeding', async () => {
    const workers = childPids(gw.pid);
    assert.equal(workers.length, 2);
    const victim = workers[0]!;
    assert.equal(listenSockets(port), 2, 'one SO_REUSEPORT listener per worker');
    process.kill(victim, 'SIGKILL');
    await waitUntil('the killed worker to be gone', () => !isAlive(victim), 5000);
    // Connections the kernel queued on the dead worker's listener are reset (SO_REUSEPORT; Linux
    // tears that socket down a little after the process is gone — up to ~150 ms measured here).
    // Once it is gone, the survivor answers everything on its own while the replacement starts.
    await waitUntil('the dead worker’s listening socket to be torn down', () => listenSockets(port) === 1, 5000, 5);
    const during = await many(`${base}/v1/during`, 20);
    assert.deepEqual(
      during.map((r) => r.status),
      Array(20).fill(200),
    );
    const replaced = await waitUntil(
      'a replacement worker',
      () => {
        const now = childPids(gw.pid);
        return now.length === 2 && !now.includes(victim) ? now : undefined;
      },
      10_000,
    );
    assert.ok(replaced?.includes(workers[1]!), 'the other worker was left alone');
    await waitUntil('readyz 200 again', async () => (await get(`http://127.0.0.1:${adminPort}/readyz`, 1000)).status === 200, 10_000, 100);
    assert.equal(listenSockets(port), 2, 'the replacement listens too');
    const afterwards = await many(`${base}/v1/after`, 30);
    assert.deepEqual(
      afterwards.map((r) => r.status),
      Array(30).fill(200),
    );
  });

  test('SIGHUP after editing the config applies it in every worker; an invalid edit changes nothing', async () => {
    const workers = childPids(gw.pid);
    await writeFile(configPath, config({ port, adminPort, upstream: upstream.url, prefix: 'v2' }));
    process.kill(gw.pid, 'SIGHUP');
    await waitUntil('the new routes', async () => (await many(`${base}/v2/x`, 10)).every((r) => r.status === 200), 10_000, 100);
    // 40 fresh connections: with two workers sharing the port, a worker left on the old config
    // would answer about half of them with 404.
    const replies = await many(`${base}/v2/check`, 40);
    assert.deepEqual(
      replies.map((r) => r.status),
      Array(40).fill(200),
    );
    const old = await many(`${base}/v1/check`, 20);
    assert.deepEqual(
      old.map((r) => r.status),
      Array(20).fill(404),
    );
    assert.deepEqual(childPids(gw.pid), workers, 'a reload does not restart workers');

    await writeFile(configPath, `${config({ port, adminPort, upstream: upstream.url, prefix: 'v3' })}\nupstrems: {}\n`);
    process.kill(gw.pid, 'SIGHUP');
    await sleep(1000);
    const still = await many(`${base}/v2/still`, 20);
    assert.deepEqual(
      still.map((r) => r.status),
      Array(20).fill(200),
    );
    assert.equal((await get(`${base}/v3/x`)).status, 404);
    assert.ok(isAlive(gw.pid));
    assert.deepEqual(childPids(gw.pid), workers, 'a rejected reload does not touch the workers');
    // Leave a valid config for the next test.
    await writeFile(configPath, config({ port, adminPort, upstream: upstream.url, prefix: 'v2' }));
  });

  test('SIGTERM lets an in-flight slow request complete, then the process exits 0', async () => {
    const workers = childPids(gw.pid);
    const started = performance.now();
    const slow = get(`${base}/v2/slow`, 10_000);
    await waitUntil('the slow request to reach the upstream', () => upstream.received.some((r) => r.url === '/v2/slow'), 5000, 20);
    process.kill(gw.pid, 'SIGTERM');
    const reply = await slow;
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'up:/v2/slow');
    assert.ok(performance.now() - started >= 1400, 'the slow request was answered before the upstream did');
    const status = await gw.exited(10_000);
    assert.deepEqual(status, { code: 0, signal: null }, `stderr: ${gw.stderr()}`);
    for (const w of workers) assert.ok(!isAlive(w), `worker ${w} outlived the primary`);
    await assert.rejects(get(`${base}/v2/x`, 1000), 'nothing listens any more');
    // Logs were flushed on exit: the crash, the rejected reload and the drain are all on record.
    const out = gw.stdout();
    assert.match(out, /worker exited; starting a replacement/);
    assert.match(out, /config reload rejected/);
    assert.doesNotMatch(gw.stderr(), NO_STACK);
  });
});

describe('serve --workers 2: SIGTERM while workers are starting', () => {
  test(
    'SIGTERM before the workers are ready still stops the whole cluster promptly',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'portcullis-early-term-'));
      const port = await freePort();
      const adminPort = await freePort();
      const file = join(dir, 'portcullis.yaml');
      await writeFile(file, config({ port, adminPort, upstream: 'http://127.0.0.1:9', prefix: 'v1' }));
      const p = startCli(['serve', '-c', file, '--workers', '2', '--no-watch']);
      try {
        // The primary has validated the config and forked; the workers are still loading.
        await waitUntil('two forked workers', () => childPids(p.pid).length === 2, 30_000, 10); // setup only: a loaded machine forks late
        const workers = childPids(p.pid);
        await sleep(100);
        process.kill(p.pid, 'SIGTERM');
        const started = performance.now();
        const status = await p.exited(8000); // drainTimeout is 10s: the fallback timer would fire at 15 s
        assert.deepEqual(status, { code: 0, signal: null });
        assert.ok(performance.now() - started < 8000);
        for (const w of workers) assert.ok(!isAlive(w), `worker ${w} still running`);
      } finally {
        await p.kill();
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('serve: startup failures', () => {
  let blocker: Server;
  let busyPort: number;
  let dir: string;

  before(async () => {
    blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    busyPort = (blocker.address() as { port: number }).port;
    dir = await mkdtemp(join(tmpdir(), 'portcullis-busy-'));
  });
  after(async () => {
    blocker?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const workers of ['1', '2'] as const) {
    test(`a listener port already in use exits non-zero with one paragraph and no stack trace (--workers ${workers})`, async () => {
      const file = join(dir, `busy-${workers}.yaml`);
      await writeFile(file, config({ port: busyPort, adminPort: await freePort(), upstream: 'http://127.0.0.1:9', prefix: 'v1' }));
      const r = await runCli(['serve', '-c', file, '--workers', workers, '--no-watch'], { timeoutMs: 30_000 }); // two workers start slowly on a loaded machine
      assert.notEqual(r.code, 0, 'exit code');
      assert.notEqual(r.code, null, `killed by ${r.signal}`);
      const all = `${r.stderr}\n${r.stdout}`;
      assert.match(all, new RegExp(`port ${busyPort} on 127\\.0\\.0\\.1 is already in use`));
      assert.doesNotMatch(all, NO_STACK, 'a stack trace was printed');
      assert.doesNotMatch(all, /EADDRINUSE/);
      // One paragraph for the user on stderr (log lines on stdout are JSON).
      const text = r.stderr.trim();
      assert.ok(text.length > 0, `nothing on stderr (stdout: ${r.stdout.slice(0, 500)})`);
      assert.ok(!text.includes('\n\n'), `more than one paragraph: ${text}`);
    });
  }

  test(
    'the admin port already in use also fails cleanly with --workers 2',
    {
    },
    async () => {
    const file = join(dir, 'busy-admin.yaml');
    await writeFile(file, config({ port: await freePort(), adminPort: busyPort, upstream: 'http://127.0.0.1:9', prefix: 'v1' }));
    const p = startCli(['serve', '-c', file, '--workers', '2', '--no-watch']);
    try {
      const status = await p.exited(15_000);
      assert.notEqual(status.code, 0);
      const all = `${p.stderr()}\n${p.stdout()}`;
      assert.match(all, /admin listener/);
      assert.doesNotMatch(all, NO_STACK);
      assert.ok(p.stderr().trim().length > 0, 'nothing on stderr');
      await sleep(200);
      assert.deepEqual(childPids(p.pid), [], 'workers left behind');
    } finally {
      await p.kill();
    }
    },
  );
});

describe('portcullis check', () => {
  let dir: string;
  const valid = `listeners:
  - port: 8080
upstreams:
  backend:
    url: http://127.0.0.1:3000
apis:
  - name: api
    upstream: backend
    routes:
      - path: /*
`;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-check-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function check(name: string, text: string, files: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}) {
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, text);
    for (const [n, t] of Object.entries(files)) await writeFile(join(dir, n), t);
    return { file, ...(await runCli(['check', '-c', file], { env })) };
  }

  test('invalid configs exit 1 with file:line:col and a clear reason; a valid one exits 0; usage errors exit 2', async () => {
    const spec = (ref: string) => `openapi: 3.1.0
info: { title: t, version: '1' }
paths:
  /a:
    get:
      operationId: a
      responses:
        '200': { $ref: '${ref}' }
`;
    const cases: { name: string; text: string; files?: Record<string, string>; line: number; reason: RegExp }[] = [
      { name: 'typo', text: valid.replace('    upstream: backend', '    upstrem: backend'), line: 8, reason: /unknown key "upstrem".*did you mean "upstream"/ },
      { name: 'typo-top', text: `${valid}limts:\n  maxBodySize: 1mb\n`, line: 11, reason: /unknown key "limts".*did you mean "limits"/ },
      { name: 'yaml', text: valid.replace('  backend:\n', '  backend:\n   url: [oops\n'), line: 0, reason: /./ },
      { name: 'env', text: valid.replace('http://127.0.0.1:3000', '${PORTCULLIS_TEST_SURELY_UNSET}'), line: 5, reason: /PORTCULLIS_TEST_SURELY_UNSET.*not set/ },
      {
        name: 'ref',
        text: valid.replace('    routes:\n      - path: /*\n', '    spec: bad-ref.yaml\n'),
        files: { 'bad-ref.yaml': spec('#/components/responses/Missing') },
        line: 9,
        reason: /\$ref/,
      },
      { name: 'scheme', text: valid.replace('http://127.0.0.1:3000', 'ftp://127.0.0.1:21'), line: 5, reason: /url/ },
    ];
    // One CLI process at a time: each loads the whole gateway, and in parallel on a 2-core machine
    // (next to another test file) they would wait on each other past their time limit.
    const results: Awaited<ReturnType<typeof check>>[] = [];
    for (const c of cases) results.push(await check(c.name, c.text, c.files));
    for (const [i, c] of cases.entries()) {
      const r = results[i]!;
      assert.equal(r.code, 1, `${c.name}: exit ${r.code}\n${r.stderr}${r.stdout}`);
      const where = new RegExp(`${r.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${c.line || '\\d+'}:\\d+`);
      assert.match(r.stderr, where, `${c.name}: no file:line:col in\n${r.stderr}`);
      assert.match(r.stderr, c.reason, c.name);
      assert.doesNotMatch(r.stderr, NO_STACK, `${c.name}: stack trace`);
    }

    const ref = results[cases.findIndex((c) => c.name === 'ref')]!;
    assert.match(ref.stderr, /bad-ref\.yaml/, 'the message names the spec file');

    const ok = await check('valid', valid);
    const usage = await runCli(['check', '--no-such-option']);
    const unknownCommand = await runCli(['frobnicate']);
    const missing = await runCli(['check', '-c', join(dir, 'does-not-exist.yaml')]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /valid/);
    assert.equal(usage.code, 2, usage.stderr);
    assert.equal(unknownCommand.code, 2, unknownCommand.stderr);
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(missing.stderr, /does-not-exist\.yaml/);
    assert.doesNotMatch(missing.stderr, NO_STACK);
  });

  test(
    'an unresolvable $ref is located in the spec file itself (spec:line:col of the $ref)',
    async () => {
      const text = valid.replace('    routes:\n      - path: /*\n', '    spec: bad-ref2.yaml\n');
      const specText = `openapi: 3.1.0\ninfo: { title: t, version: '1' }\npaths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        '200':\n          $ref: '#/components/responses/Missing'\n`;
      const r = await check('ref2', text, { 'bad-ref2.yaml': specText });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /bad-ref2\.yaml:9:\d+/);
    },
  );
});
