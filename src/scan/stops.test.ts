// What stops a scan, and what it says then (real servers): an identity the target refuses, a lockout
// (429) mid-scan, a target that mostly times out, the budget; a short 429 is waited out instead; a
// check that ran but tested nothing says why.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { scanCommand } from '../cli/scan-run.ts';
import type { IdentitySpec } from './identities.ts';
import { runScan } from './index.ts';
import { renderText } from './report/text.ts';

const SPEC = {
  openapi: '3.0.3',
  info: { title: 'pets', version: '1' },
  servers: [{ url: '/v1' }],
  security: [{ key: [] }],
  components: {
    securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
    schemas: { Pet: { type: 'object', properties: { id: { type: 'string', readOnly: true }, name: { type: 'string' } } } },
  },
  paths: {
    '/me': { get: { responses: { '200': { description: 'me', content: { 'application/json': { schema: { type: 'object', properties: { id: { type: 'string' } } } } } } } } },
    '/pets': {
      post: { requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } }, responses: { '201': { description: 'created', content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } } } },
    },
    '/pets/{petId}': {
      parameters: [{ name: 'petId', in: 'path', required: true, schema: { type: 'string' } }],
      get: { responses: { '200': { description: 'a pet', content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } } } },
    },
    // Needs a key by the document; answers anyone (auth-missing: a critical finding found early).
    '/stats': { get: { responses: { '200': { description: 'stats', content: { 'application/json': { schema: { type: 'object', properties: { pets: { type: 'integer' } } } } } } } } },
  },
};

const KEYS: Record<string, string> = { 'key-alice-0123456789': 'u1', 'key-bob-0123456789': 'u2' };

interface Behaviour {
  /** Every request after this many answered 429 with Retry-After 300 (a lockout). */
  lockAfter?: number;
  /** The first request this matches is answered 429 with Retry-After 1. */
  limitOnce?: (req: IncomingMessage, user: string | undefined) => boolean;
  /** Only GET /v1/me with a valid key answers; everything else hangs. */
  hang?: boolean;
  /** Pets cannot be read back, not even by their owner. */
  noReads?: boolean;
}

async function startPets(behaviour: Behaviour = {}): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  const pets = new Map<string, { id: string; ownerId: string; name: string }>();
  let requests = 0;
  let limited = false;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c));
    req.on('end', (): void => {
      requests++;
      const send = (status: number, body?: unknown, headers: Record<string, string> = {}): void => void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body === undefined ? '' : JSON.stringify(body));
      const user = KEYS[String(req.headers['x-api-key'])];
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (behaviour.lockAfter !== undefined && requests > behaviour.lockAfter) return send(429, { code: 'PCL_ERR_TOO_MANY_AUTH_FAILURES', title: 'Too many failed authentication attempts' }, { 'retry-after': '300' });
      if (behaviour.limitOnce && !limited && behaviour.limitOnce(req, user)) {
        limited = true;
        return send(429, { error: 'slow down' }, { 'retry-after': '1' });
      }
      if (behaviour.hang && !(path === '/v1/me' && user)) return; // never answers
      if (path === '/v1/stats') return send(200, { pets: pets.size });
      if (!user) return send(401, { error: 'unauthenticated' });
      if (path === '/v1/me') return send(200, { id: user });
      if (path === '/v1/pets' && req.method === 'POST') {
        let name: unknown;
        try {
          name = (JSON.parse(raw || '{}') as { name?: unknown }).name;
        } catch {
          return send(400, { error: 'malformed JSON' });
        }
        const pet = { id: `p${pets.size + 1}`, ownerId: user, name: String(name ?? '') };
        pets.set(pet.id, pet);
        return send(201, pet);
      }
      const pet = pets.get(/^\/v1\/pets\/(\w+)$/.exec(path)?.[1] ?? '');
      if (pet && req.method === 'GET' && !behaviour.noReads) return send(200, pet); // no owner check: bola-read
      send(404, { error: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

const alice: IdentitySpec = { name: 'alice', role: 'user', headers: { 'X-API-Key': 'key-alice-0123456789' }, query: {} };
const bob: IdentitySpec = { name: 'bob', role: 'user', headers: { 'X-API-Key': 'key-bob-0123456789' }, query: {} };

describe('what stops a scan, and what it says', () => {
  let dir: string;
  let spec: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-scan-stops-'));
    spec = join(dir, 'openapi.json');
    await writeFile(spec, JSON.stringify(SPEC));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const scan = (url: string, extra: Partial<Parameters<typeof runScan>[0]> = {}) =>
    runScan({ spec, target: url, identities: [alice, bob], rate: 0, canary: false, skip: ['shadow-endpoint', 'zombie-version'], ...extra });

  /** The command as CI runs it: its exit code and its JSON report. */
  async function command(url: string, extra: Record<string, unknown> = {}): Promise<{ code: number; report: { errors: string[]; findings: { check: string }[]; timeouts: number } }> {
    const output = join(dir, 'report.json');
    await rm(output, { force: true });
    const code = await scanCommand({
      spec, target: url, identity: ['alice:X-API-Key=key-alice-0123456789', 'bob:X-API-Key=key-bob-0123456789'], admin: [], format: 'json', output,
      maxRequests: 1000, rate: 1000, timeout: 10, burst: 5, skip: ['shadow-endpoint', 'zombie-version'], canary: false, ...extra,
    });
    return { code, report: JSON.parse(await readFile(output, 'utf8')) };
  }

  test('an identity the target refuses stops the scan before any check (exit 2)', async () => {
    const api = await startPets();
    try {
      const result = await scan(api.url, { identities: [alice, { ...bob, headers: { 'X-API-Key': 'a-wrong-key-0123456789' } }] });
      assert.deepEqual(result.errors, ['identity bob is refused by the target (401 on GET /v1/me)']);
      assert.deepEqual(result.findings, []);
      assert.ok(result.checks.every((c) => c.status === 'skipped' && (c.reason === result.errors[0] || c.reason === 'skipped with --skip')), 'no check ran');
      assert.match(renderText(result), /No findings before the scan stopped \(see below\)\.[\s\S]*Stopped early: identity bob is refused by the target \(401 on GET \/v1\/me\)/);
      const run = await command(api.url, { identity: ['alice:X-API-Key=wrong-0123456789', 'bob:X-API-Key=key-bob-0123456789'] });
      assert.equal(run.code, 2);
      assert.deepEqual(run.report.errors, ['identity alice is refused by the target (401 on GET /v1/me)']);
    } finally {
      await api.close();
    }
  });

  test('a lockout (429 with a long Retry-After) mid-scan stops it and says so (exit 2)', async () => {
    const api = await startPets({ lockAfter: 8 });
    try {
      const result = await scan(api.url);
      assert.equal(result.errors.length, 1);
      assert.match(result.errors[0]!, /^the target answered 429 Too Many Requests \(PCL_ERR_TOO_MANY_AUTH_FAILURES\) to GET \/v1\/[\w/]+ and asks to wait 300 s \(the scan waits 30 s at most\): rate-limited or locked out$/);
      assert.ok(api.requests() <= 10, `the scan stopped at the first 429 (${api.requests()} requests)`);
      const locked = await startPets({ lockAfter: 0 });
      try {
        const run = await command(locked.url);
        assert.equal(run.code, 2);
        assert.match(run.report.errors[0]!, /429 Too Many Requests .* locked out/);
      } finally {
        await locked.close();
      }
    } finally {
      await api.close();
    }
  });

  test('a 429 with a short Retry-After is waited out and the request sent again', async () => {
    // bob's read of alice's pet (the BOLA probe) is rate-limited once: the finding must not be lost.
    const api = await startPets({ limitOnce: (req, user) => user === 'u2' && req.url?.startsWith('/v1/pets/') === true });
    try {
      const started = Date.now();
      const result = await scan(api.url);
      assert.deepEqual(result.errors, []);
      assert.ok(Date.now() - started >= 1000, 'waited the Retry-After');
      assert.ok(result.findings.some((f) => f.check === 'bola-read' && f.operation === 'GET /v1/pets/{petId}'), 'bob read alice\'s pet after the wait');
      assert.deepEqual(result.rateLimited, { retries: 1, waitedSeconds: 1 });
      assert.match(renderText(result), /Rate-limited: 1 answer was 429; the scan waited 1 s as asked \(Retry-After\) and sent it again\./);
    } finally {
      await api.close();
    }
  });

  test('a check that ran but tested nothing says why, in every report', async () => {
    const api = await startPets({ noReads: true });
    try {
      const result = await scan(api.url);
      assert.deepEqual(result.errors, []);
      const bola = result.checks.find((c) => c.check === 'bola-read')!;
      assert.equal(bola.status, 'ran');
      assert.deepEqual(bola.tested, []);
      assert.match(bola.reason ?? '', /^alice cannot read its own object \(404 on GET \/v1\/pets\/p1\)$/);
      assert.match(renderText(result), /Ran, nothing tested \(a clean result proves nothing there\):\n(?: {2}.*\n)*? {2}bola-read: alice cannot read its own object/);
    } finally {
      await api.close();
    }
  });

  test('the budget spent: findings at --fail-on still give exit 1, else 2', async () => {
    const api = await startPets();
    try {
      const failing = await command(api.url, { maxRequests: 12, failOn: 'critical' });
      assert.deepEqual(failing.report.errors, ['the request budget (12) is spent']);
      assert.ok(failing.report.findings.some((f) => f.check === 'auth-missing'), 'the critical finding made before the budget ran out');
      assert.equal(failing.code, 1);
      assert.equal((await command(api.url, { maxRequests: 12 })).code, 2, 'without --fail-on: incomplete');
      assert.equal((await command(api.url, { maxRequests: 12, failOn: 'critical', skip: ['shadow-endpoint', 'zombie-version', 'auth-missing'] })).code, 2, 'no finding reaches --fail-on: incomplete');
    } finally {
      await api.close();
    }
  });

  test('a target that mostly times out stops the scan; timeouts are counted (exit 2)', async () => {
    const api = await startPets({ hang: true });
    try {
      const result = await scan(api.url, { timeoutMs: 500, maxRequests: 40 });
      assert.equal(result.timeouts, 5);
      assert.match(result.errors[0] ?? '', /^the target http:\/\/127\.0\.0\.1:\d+ does not answer \(5 of \d+ requests got no answer within 0\.5 s\)$/);
      assert.match(renderText(result), /Timed out: 5 requests got no answer within the time limit/);
      assert.match(renderText(result), /\d+ requests \(5 timed out\) in/);
      const run = await command(api.url, { timeout: 1, maxRequests: 40 });
      assert.equal(run.code, 2);
      assert.equal(run.report.timeouts, 5);
    } finally {
      await api.close();
    }
  });
});
