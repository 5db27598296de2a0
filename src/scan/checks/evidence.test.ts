// A finding needs its proof, and a probe leaves nothing behind (real servers): a write or delete
// answered 2xx but undone by the owner's read-back is no bola-write; a query credential on an operation
// that answers anonymous callers the same is no credentials-in-query; the SSRF probe's canary URL
// stored in the account is set back.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { IdentitySpec } from '../identities.ts';
import { runScan } from '../index.ts';

const json = (schema: object) => ({ 'application/json': { schema } });
const ok = (schema: object) => ({ '200': { description: 'ok', content: json(schema) } });
const Me = { type: 'object', properties: { id: { type: 'string', readOnly: true }, name: { type: 'string' }, avatarUrl: { type: ['string', 'null'], format: 'uri' } } };
const Note = { type: 'object', properties: { id: { type: 'string', readOnly: true }, text: { type: 'string' } } };

const SPEC = {
  openapi: '3.1.0',
  info: { title: 'notes', version: '1' },
  servers: [{ url: '/v1' }],
  security: [{ key: [] }],
  components: { securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'X-API-Key' } } },
  paths: {
    '/me': {
      get: { responses: ok(Me) },
      patch: { requestBody: { content: json({ type: 'object', additionalProperties: false, properties: { name: { type: 'string' }, avatarUrl: { type: ['string', 'null'], format: 'uri' } } }) }, responses: ok(Me) },
    },
    '/me/avatar': { post: { requestBody: { content: json({ type: 'object', required: ['url'], properties: { url: { type: 'string', format: 'uri' } } }) }, responses: ok(Me) } },
    '/notes': { post: { requestBody: { content: json(Note) }, responses: { '201': { description: 'created', content: json(Note) } } } },
    '/notes/{noteId}': {
      parameters: [{ name: 'noteId', in: 'path', required: true, schema: { type: 'string' } }],
      get: { responses: ok(Note) },
      patch: { requestBody: { content: json(Note) }, responses: ok(Note) },
      delete: { responses: { '204': { description: 'deleted' } } },
    },
  },
};

const KEYS: Record<string, string> = { 'key-alice-0123456789': 'u1', 'key-bob-0123456789': 'u2' };

/**
 * Owners only, but writes and deletes of someone else's note answer 2xx and do nothing; the avatar URL
 * is fetched and stored whatever the fetch gives. `openMe`: GET /me answers everyone the same account.
 */
async function startNotes(openMe = false): Promise<{ url: string; avatarOf: (user: string) => unknown; close: () => Promise<void> }> {
  const users = new Map(Object.values(KEYS).map((id) => [id, { id, name: `user ${id}`, avatarUrl: null as string | null }]));
  const notes = new Map<string, { id: string; ownerId: string; text: string }>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c));
    req.on('end', () => void handle(req, res, raw));
  });
  async function handle(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    const send = (status: number, body?: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(body === undefined ? '' : JSON.stringify(body));
    let body: Record<string, unknown> = {};
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      return send(400, { error: 'malformed JSON' });
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (openMe && path === '/v1/me' && req.method === 'GET') return send(200, { id: 'shared', name: 'everyone' });
    const me = users.get(KEYS[String(req.headers['x-api-key'])] ?? '');
    if (!me) return send(401, { error: 'unauthenticated' });
    if (path === '/v1/me' && req.method === 'GET') return send(200, me);
    if (path === '/v1/me' && req.method === 'PATCH') return send(200, Object.assign(me, typeof body.name === 'string' ? { name: body.name } : {}, 'avatarUrl' in body ? { avatarUrl: body.avatarUrl } : {}));
    if (path === '/v1/me/avatar' && req.method === 'POST') {
      await fetch(String(body.url), { signal: AbortSignal.timeout(2000) }).catch(() => undefined); // the SSRF
      me.avatarUrl = String(body.url);
      return send(200, me);
    }
    if (path === '/v1/notes' && req.method === 'POST') {
      const note = { id: `n${notes.size + 1}`, ownerId: me.id, text: String(body.text ?? '') };
      notes.set(note.id, note);
      return send(201, { id: note.id, text: note.text });
    }
    const note = notes.get(/^\/v1\/notes\/(\w+)$/.exec(path)?.[1] ?? '');
    if (!note) return send(404, { error: 'not found' });
    const mine = note.ownerId === me.id;
    if (req.method === 'GET') return mine ? send(200, { id: note.id, text: note.text }) : send(404, { error: 'not found' });
    if (req.method === 'PATCH') {
      if (mine && typeof body.text === 'string') note.text = body.text;
      return send(200, { id: note.id, text: note.text }); // 200 either way: only the read-back tells
    }
    if (req.method === 'DELETE') {
      if (mine) notes.delete(note.id);
      return send(204); // 204 either way
    }
    send(405);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    avatarOf: (user) => users.get(user)?.avatarUrl,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

const identities: IdentitySpec[] = [
  { name: 'alice', role: 'user', headers: { 'X-API-Key': 'key-alice-0123456789' }, query: {} },
  { name: 'bob', role: 'user', headers: { 'X-API-Key': 'key-bob-0123456789' }, query: {} },
];

describe('findings need their proof; probes leave nothing behind', () => {
  let dir: string;
  let spec: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-scan-evidence-'));
    spec = join(dir, 'openapi.json');
    await writeFile(spec, JSON.stringify(SPEC));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const scan = (url: string) => runScan({ spec, target: url, identities, rate: 0, skip: ['shadow-endpoint', 'zombie-version'] });

  test('bola-write: a 2xx the owner\'s read-back shows undone is no finding', async () => {
    const api = await startNotes();
    try {
      const result = await scan(api.url);
      assert.deepEqual(result.errors, []);
      assert.deepEqual(result.findings.filter((f) => f.check.startsWith('bola')).map((f) => `${f.check} ${f.operation}`), []);
      // ...and not for want of trying: bob's PATCH and DELETE were sent and read back.
      assert.deepEqual(result.checks.find((c) => c.check === 'bola-write')!.tested, ['PATCH /v1/notes/{noteId}', 'DELETE /v1/notes/{noteId}']);
    } finally {
      await api.close();
    }
  });

  test('ssrf: the canary URL the probe stored is set back', async () => {
    const api = await startNotes();
    try {
      const result = await scan(api.url);
      const ssrf = result.findings.find((f) => f.check === 'ssrf');
      assert.equal(ssrf?.operation, 'POST /v1/me/avatar');
      assert.match(ssrf!.message, /; avatarUrl \(was null\) set back after the probe\.$/);
      assert.equal(api.avatarOf('u1'), null, 'alice\'s avatar is what it was');
    } finally {
      await api.close();
    }
  });

  test('credentials-in-query: not on an operation that answers anonymous callers the same', async () => {
    const api = await startNotes(true);
    try {
      const result = await scan(api.url);
      assert.deepEqual(result.errors, []);
      assert.ok(result.findings.some((f) => f.check === 'auth-missing' && f.operation === 'GET /v1/me'), 'the open GET /me is the finding');
      assert.equal(result.findings.find((f) => f.check === 'credentials-in-query'), undefined);
      // Tried where the answer tells: alice's own note, which anonymous callers do not get.
      assert.deepEqual(result.checks.find((c) => c.check === 'credentials-in-query')!.tested, ['GET /v1/notes/{noteId}']);
    } finally {
      await api.close();
    }
  });
});
