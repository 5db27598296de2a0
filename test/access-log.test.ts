// The access log as `portcullis serve` writes it to stdout: one JSON line per request, credentials
// redacted, every line valid JSON whatever bytes the request carried.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hashApiKey } from '../src/auth/api-key.ts';
import { isoAt } from '../src/observe/access-log.ts';
import { freePort, startCli, waitUntil } from './helpers/process.ts';
import { rawRequest } from './helpers/raw-http.ts';
import { startUpstream } from './helpers/upstream.ts';

interface AccessLine {
  type: string;
  time: string;
  reqId: string;
  method: string;
  status: number;
  path?: string;
  api?: string;
  op?: string;
  ms: number;
  upstreamMs?: number;
  bytesIn: number;
  bytesOut: number;
  ip: string;
  error?: string;
  headers?: Record<string, string>;
}

function get(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; id: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, id: String(res.headers['x-request-id']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serve writes one JSON line per request with its outcome, credentials redacted', async () => {
  const upstream = await startUpstream();
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-access-'));
  const port = await freePort();
  await writeFile(
    join(dir, 'portcullis.yaml'),
    `listeners:
  - port: ${port}
    host: 127.0.0.1
admin:
  enabled: false
log:
  headers: [authorization, cookie, x-trace, x-tenant-secret, user-agent, x-partner-key]
  redact: [X-Tenant-Secret]
upstreams:
  backend:
    url: ${upstream.url}
apis:
  - name: shop
    upstream: backend
    routes:
      - path: /*
        operationId: anything
`,
  );
  const cli = startCli(['serve', '-c', join(dir, 'portcullis.yaml'), '--workers', '1']);
  try {
    await waitUntil('the gateway to listen', async () => (await get(port, '/ready', {}).catch(() => undefined))?.status === 200, 30_000, 100);
    const plain = await get(port, '/orders/42?page=2', {
      authorization: 'Bearer sekrit-token-1',
      cookie: 'session=sekrit-cookie-2',
      'x-tenant-secret': 'sekrit-3',
      'x-partner-key': 'sekrit-4', // named like a credential: redacted without being listed in redact
      'x-trace': 'a "quoted" \\ value',
      'user-agent': 'caf\u00e9-client',
      'x-request-id': 'chosen-by-client',
    });
    assert.equal(plain.status, 200);
    assert.match(plain.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'an untrusted client does not choose the id: a v4 UUID is made');
    const traced = await rawRequest(port, 'TRACE /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.equal(traced.status, 405);
    const odd = await rawRequest(port, 'GET /caf%C3%A9/%22q%22/%E2%80%A8 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.ok(odd.status > 0);
    const posted = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/orders', method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume().on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ item: 'x'.repeat(1000) }));
    });
    assert.equal(posted, 200);
  } finally {
    cli.child.kill('SIGTERM');
    await cli.exited(15_000);
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  }
  const out = cli.stdout();
  for (const secret of ['sekrit-token-1', 'sekrit-cookie-2', 'sekrit-3', 'sekrit-4']) assert.ok(!out.includes(secret), `${secret} never reaches the log`);
  const lines = out.split('\n').filter((l) => l.includes('"type":"access"'));
  const access = lines.map((l) => {
    try {
      return JSON.parse(l) as AccessLine;
    } catch (error) {
      throw new Error(`not a JSON line: ${l}`, { cause: error });
    }
  });
  assert.equal(access.filter((l) => l.path !== '/ready').length, 4, out);

  const plain = access.find((l) => l.path === '/orders/42')!;
  assert.ok(plain, out);
  assert.match(plain.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Math.abs(Date.parse(plain.time) - Date.now()) < 120_000);
  assert.equal(plain.method, 'GET');
  assert.equal(plain.status, 200);
  assert.equal(plain.api, 'shop');
  assert.equal(plain.op, 'anything');
  assert.equal(plain.ip, '127.0.0.1');
  assert.ok(plain.ms >= 0 && plain.upstreamMs! >= 0 && plain.upstreamMs! <= plain.ms + 0.01);
  assert.ok(plain.bytesIn > 100, 'the request head counts as bytes read');
  assert.ok(plain.bytesOut > 100);
  assert.deepEqual(plain.headers, {
    authorization: '[REDACTED]',
    cookie: '[REDACTED]',
    'x-tenant-secret': '[REDACTED]',
    'x-partner-key': '[REDACTED]',
    'x-trace': 'a "quoted" \\ value',
    'user-agent': 'caf\u00e9-client', // a latin1 byte, written to the log as UTF-8
  });

  const traced = access.find((l) => l.method === 'TRACE')!;
  assert.equal(traced.status, 405);
  assert.equal(traced.error, 'PCL_ERR_METHOD_NOT_ALLOWED');
  assert.equal(traced.upstreamMs, undefined);

  const odd = access.find((l) => l.path?.startsWith('/caf'));
  assert.ok(odd, `the line of an encoded path is valid JSON: ${lines.join('\n')}`);

  const posted = access.find((l) => l.method === 'POST')!;
  assert.ok(posted.bytesIn > 1000, `the body counts as bytes read: ${JSON.stringify(posted)}`);
  const ids = new Set(access.map((l) => l.reqId));
  assert.equal(ids.size, access.length, 'every request has its own id');
});

test('the time of a line is the ISO time of its clock reading, to the millisecond', () => {
  const base = performance.now();
  // Readings in any order, within a second, across seconds and back: each formatted on its own.
  for (const offset of [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 5, 61_234.5, 3_600_000.9, 12, 86_400_000]) {
    const reading = base + offset;
    assert.equal(isoAt(reading).toString('latin1'), new Date(Math.floor(performance.timeOrigin + reading)).toISOString(), `offset ${offset}`);
  }
});

test('a reload (SIGHUP) applies a new log section: header list, redactions, on and off', async () => {
  const upstream = await startUpstream();
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-access-reload-'));
  const port = await freePort();
  const configPath = join(dir, 'portcullis.yaml');
  const KEY = 'partner-key-of-any-shape-0123456789';
  // `log` (a YAML line) and the API's policies, if any (indented under the API).
  const config = (log: string, policies = '') => `listeners:
  - port: ${port}
    host: 127.0.0.1
admin:
  enabled: false
${log}
upstreams:
  backend:
    url: ${upstream.url}
apis:
  - name: shop
    upstream: backend
    routes:
      - path: /*
        operationId: anything
${policies}`;
  // v1: X-Partner-Id carries API keys (no credential word in its name: redacted because a policy reads a key from it).
  await writeFile(
    configPath,
    config(
      'log: { headers: [x-trace, x-partner-id] }',
      `    policies:
      auth-apikey:
        header: X-Partner-Id
        format: any
        consumers: [{ id: partner, keys: [{ sha256: ${hashApiKey(KEY)} }] }]
`,
    ),
  );
  const cli = startCli(['serve', '-c', configPath, '--workers', '1', '--no-watch']);
  const reloads = () => cli.stdout().split('config reloaded').length - 1;
  const reload = async (text: string) => {
    const before = reloads();
    await writeFile(configPath, text);
    cli.child.kill('SIGHUP');
    await waitUntil('the config to be reloaded', () => reloads() > before, 15_000);
  };
  const headers = { 'x-partner-id': KEY, 'x-trace': 'trace-1', 'x-tenant': 'tenant-1', 'x-region': 'eu' };
  const ids: string[] = [];
  try {
    await waitUntil('the gateway to listen', async () => (await get(port, '/ready', {}).catch(() => undefined))?.status === 401, 30_000, 100);
    const v1 = await get(port, '/v1', headers);
    assert.equal(v1.status, 200);
    ids.push(v1.id);

    // v2: more headers, one of them redacted by name; X-Partner-Id is no longer read by any policy.
    await reload(config('log: { headers: [x-trace, x-tenant, x-region, x-partner-id], redact: [X-Tenant] }'));
    const v2 = await get(port, '/v2', { ...headers, 'x-partner-id': 'sekrit-partner-2' });
    assert.equal(v2.status, 200, 'the reload removed the API key policy');
    ids.push(v2.id);

    // v3: the redaction lifted, the list shortened; then the access log turned off.
    await reload(config('log: { headers: [x-tenant] }'));
    ids.push((await get(port, '/v3', headers)).id);
    await reload(config('log: { access: false, headers: [x-tenant] }'));
    ids.push((await get(port, '/v4', headers)).id);
  } finally {
    cli.child.kill('SIGTERM');
    await cli.exited(15_000);
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  }
  const out = cli.stdout();
  assert.ok(!out.includes(KEY) && !out.includes('sekrit-partner-2'), 'the partner key never reaches the log');
  const access = out
    .split('\n')
    .filter((l) => l.includes('"type":"access"'))
    .map((l) => JSON.parse(l) as AccessLine);
  const byId = (id: string) => access.find((l) => l.reqId === id);
  assert.deepEqual(byId(ids[0]!)?.headers, { 'x-trace': 'trace-1', 'x-partner-id': '[REDACTED]' }, out);
  assert.deepEqual(
    byId(ids[1]!)?.headers,
    {
      'x-trace': 'trace-1',
      'x-tenant': '[REDACTED]',
      'x-region': 'eu',
      // Still redacted: a request started under v1 could be logged after the reload.
      'x-partner-id': '[REDACTED]',
    },
    out,
  );
  assert.deepEqual(byId(ids[2]!)?.headers, { 'x-tenant': 'tenant-1' }, out);
  assert.equal(byId(ids[3]!), undefined, 'log.access: false stops the lines');
});
