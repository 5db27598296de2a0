// A purpose-built API for the check tests, in two builds: `vulnerable` (each flaw the demo lacks: no
// owner check on delete, an operation open to anonymous callers, JWTs decoded without verification,
// no rate limit where 429 is documented, TRACE echoing, blind SQL injection, keys taken from the query
// string, no maxLength enforced, a log-in that matches queries like a document database, an undocumented
// GET listing every item, an undocumented DELETE of notes, blind SQL and shell injection seen only by
// their timing) and `fixed`.
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { DatabaseSync } from 'node:sqlite';
import { decodeJwt, jwtVerify, SignJWT } from 'jose';

export const FIXTURE_SECRET = new TextEncoder().encode('fixture-secret-of-at-least-32-bytes!!');
export const KEYS: Record<string, number> = { 'key-user-two-0123456789': 2 };

export const FIXTURE_SPEC = {
  openapi: '3.0.3',
  info: { title: 'fixture', version: '1' },
  servers: [{ url: '/v1' }],
  security: [{ key: [] }, { jwt: [] }],
  components: {
    securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'X-Key' }, jwt: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Item: { type: 'object', properties: { id: { type: 'integer', readOnly: true }, ownerId: { type: 'integer', readOnly: true }, name: { type: 'string', maxLength: 40 } } },
      Login: { type: 'object', properties: { username: { type: 'string' }, password: { type: 'string' } } },
      Me: { type: 'object', properties: { id: { type: 'integer' } } },
      Note: { type: 'object', properties: { id: { type: 'integer', readOnly: true }, text: { type: 'string' } } },
    },
  },
  paths: {
    '/me': { get: { responses: { '200': { description: 'me', content: { 'application/json': { schema: { $ref: '#/components/schemas/Me' } } } } } } },
    '/items': { post: { requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } }, responses: { '201': { description: 'created', content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } } } } },
    '/items/{itemId}': {
      parameters: [{ name: 'itemId', in: 'path', required: true, schema: { type: 'integer' } }],
      get: { responses: { '200': { description: 'item', content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } } } },
      delete: { responses: { '204': { description: 'deleted' } } },
    },
    '/notes': { post: { requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Note' } } } }, responses: { '201': { description: 'created', content: { 'application/json': { schema: { $ref: '#/components/schemas/Note' } } } } } } },
    // No DELETE documented: the vulnerable build answers one anyway.
    '/notes/{noteId}': {
      parameters: [{ name: 'noteId', in: 'path', required: true, schema: { type: 'integer' } }],
      get: { responses: { '200': { description: 'note', content: { 'application/json': { schema: { $ref: '#/components/schemas/Note' } } } } } },
    },
    // Blind: both answer {"ok": true} whatever happens; only the time they take tells.
    '/audit': { get: { security: [], parameters: [{ name: 'event', in: 'query', required: true, schema: { type: 'string' }, example: 'open' }], responses: { '200': { description: 'logged', content: { 'application/json': { schema: { type: 'object', properties: { ok: { type: 'boolean' } } } } } } } } },
    '/lookup': { get: { security: [], parameters: [{ name: 'name', in: 'query', required: true, schema: { type: 'string' }, example: 'box' }], responses: { '200': { description: 'looked up', content: { 'application/json': { schema: { type: 'object', properties: { ok: { type: 'boolean' } } } } } } } } },
    '/reports': { get: { responses: { '200': { description: 'reports', content: { 'application/json': { schema: { type: 'object', properties: { total: { type: 'integer' } } } } } } } } },
    '/login': {
      post: {
        security: [],
        requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Login' }, example: { username: 'one', password: 'x' } } } },
        responses: { '200': { description: 'token', content: { 'application/json': { schema: { type: 'object', properties: { token: { type: 'string' } } } } } }, '401': { description: 'no' } },
      },
    },
    '/limited': { get: { security: [], responses: { '200': { description: 'ok' }, '429': { description: 'slow down' } } } },
    '/search': {
      get: {
        security: [],
        parameters: [{ name: 'q', in: 'query', required: true, schema: { type: 'string', maxLength: 20 }, example: 'lamp' }],
        responses: { '200': { description: 'hits', content: { 'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } } } } } } } },
      },
    },
  },
};

function body0(text: string): string {
  return text || '{}';
}

export interface FixtureApi {
  readonly url: string;
  /** Access tokens the OAuth2 token endpoint issued. */
  tokensIssued(): number;
  close(): Promise<void>;
}

/** `tls`: serve https (and, in the vulnerable build, plain http on the same port). */
export async function startFixtureApi(vulnerable: boolean, tls?: { key: string; cert: string }): Promise<FixtureApi> {
  const db = new DatabaseSync(':memory:');
  db.exec("CREATE TABLE products (name TEXT); INSERT INTO products VALUES ('desk lamp'), ('lamp shade'), ('chair'); CREATE TABLE events (name TEXT)");
  // PostgreSQL's pg_sleep for SQLite (blocks, as a database call would).
  db.function('pg_sleep', (seconds) => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(5, Number(seconds)) * 1000);
    return '';
  });
  const items = new Map<number, { id: number; ownerId: number; name: string }>();
  const notes = new Map<number, { id: number; ownerId: number; text: string }>();
  let nextId = 1;
  let limitedCalls = 0;
  const issued: string[] = [];
  const uses = new Map<string, number>();

  async function caller(req: IncomingMessage, url: URL): Promise<number | undefined> {
    const key = req.headers['x-key'] ?? (vulnerable ? url.searchParams.get('api_key') ?? undefined : undefined);
    if (typeof key === 'string') return KEYS[key];
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? (vulnerable ? url.searchParams.get('access_token') ?? undefined : undefined);
    if (!token) return undefined;
    // The first token the OAuth2 endpoint issued "expires" after 3 uses: clients must refresh on a 401.
    uses.set(token, (uses.get(token) ?? 0) + 1);
    if (token === issued[0] && uses.get(token)! > 3) return undefined;
    try {
      const claims = vulnerable ? decodeJwt(token) : (await jwtVerify(token, FIXTURE_SECRET, { algorithms: ['HS256'] })).payload;
      return Number(claims.sub) || undefined;
    } catch {
      return undefined;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse, bodyText: string): Promise<void> {
    const body = bodyText;
    const send = (status: number, value?: unknown) => {
      const text = value === undefined ? '' : JSON.stringify(value);
      res.writeHead(status, { 'content-type': 'application/json', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
      res.end(text);
    };
    const url = new URL(req.url ?? '/', 'http://fixture');
    if (req.method === 'TRACE') {
      if (!vulnerable) return send(405);
      res.writeHead(200, { 'content-type': 'message/http' });
      return void res.end(`TRACE ${url.pathname} HTTP/1.1\r\n${Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n`);
    }
    if (url.pathname === '/v1/limited') return ++limitedCalls > 5 && !vulnerable ? send(429, { error: 'slow down' }) : send(200, { ok: true });
    if (url.pathname === '/v1/search') {
      const q = url.searchParams.get('q') ?? '';
      try {
        const rows = vulnerable ? db.prepare(`SELECT name FROM products WHERE name LIKE '%${q}%'`).all() : db.prepare('SELECT name FROM products WHERE name LIKE ?').all(`%${q}%`);
        return send(200, { items: rows });
      } catch {
        return send(400, { error: 'bad query' }); // blind: no database message
      }
    }
    if (url.pathname === '/v1/audit') {
      const event = url.searchParams.get('event') ?? '';
      try {
        if (vulnerable) db.exec(`INSERT INTO events VALUES ('${event}')`);
        else db.prepare('INSERT INTO events VALUES (?)').run(event);
      } catch {
        // blind: the answer never changes
      }
      return send(200, { ok: true });
    }
    if (url.pathname === '/v1/lookup') {
      const name = url.searchParams.get('name') ?? '';
      // A real shell in the vulnerable build (loopback test server only); an argument list in the fixed one.
      const [file, args] = vulnerable ? ['sh', ['-c', `echo ${name} > /dev/null`]] : ['echo', [name]];
      await new Promise<void>((resolve) => execFile(file, args, { timeout: 5000 }, () => resolve()));
      return send(200, { ok: true });
    }
    if (url.pathname === '/oauth/token' && req.method === 'POST') {
      const form = new URLSearchParams(bodyText);
      if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== 'svc' || form.get('client_secret') !== 'svc-secret-value') return send(401, { error: 'invalid_client' });
      const accessToken = await new SignJWT({ n: issued.length }).setProtectedHeader({ alg: 'HS256' }).setSubject('1').setExpirationTime('10m').sign(FIXTURE_SECRET);
      issued.push(accessToken);
      return send(200, { access_token: accessToken, token_type: 'Bearer', expires_in: 600 });
    }
    if (url.pathname === '/v1/login') {
      const body = JSON.parse(body0(bodyText)) as { username?: unknown; password?: unknown };
      // Like a document database query: {"$ne": null} matches any stored value (when not validated).
      const matches = (stored: string, given: unknown) => (vulnerable && given && typeof given === 'object' && '$ne' in given ? stored !== (given as { $ne: unknown }).$ne : stored === given);
      return body.username === 'one' && matches('right-password', body.password) ? send(200, { token: 'session-token-for-one' }) : send(401, { error: 'no' });
    }
    const who = await caller(req, url);
    if (url.pathname === '/v1/reports' && req.method === 'GET') return who !== undefined || vulnerable ? send(200, { total: 7 }) : send(401);
    if (who === undefined) return send(401, { error: 'unauthenticated' });
    if (url.pathname === '/v1/me') return send(200, { id: who });
    if (url.pathname === '/v1/items' && req.method === 'GET') return vulnerable ? send(200, [...items.values()]) : send(405);
    if (url.pathname === '/v1/items' && req.method === 'POST') {
      let name: unknown;
      try {
        name = (JSON.parse(body || '{}') as { name?: unknown }).name;
      } catch {
        return send(400, { error: 'malformed JSON' });
      }
      if (!vulnerable && typeof name === 'string' && name.length > 40) return send(400, { error: 'name too long' });
      const item = { id: nextId++, ownerId: who, name: String(name ?? '') };
      items.set(item.id, item);
      return send(201, item);
    }
    if (url.pathname === '/v1/notes' && req.method === 'POST') {
      let text: unknown;
      try {
        text = (JSON.parse(body0(body)) as { text?: unknown }).text;
      } catch {
        return send(400, { error: 'malformed JSON' });
      }
      const note = { id: nextId++, ownerId: who, text: String(text ?? '') };
      notes.set(note.id, note);
      return send(201, { id: note.id, text: note.text });
    }
    const n = /^\/v1\/notes\/(\d+)$/.exec(url.pathname);
    if (n) {
      const note = notes.get(Number(n[1]));
      if (!note || note.ownerId !== who) return send(404, { error: 'not found' });
      if (req.method === 'GET') return send(200, { id: note.id, text: note.text });
      if (req.method === 'DELETE' && vulnerable) return void (notes.delete(note.id), send(204));
      return send(405);
    }
    if (url.pathname === '/v1/notes') return send(405);
    const m = /^\/v1\/items\/(\d+)$/.exec(url.pathname);
    const item = m ? items.get(Number(m[1])) : undefined;
    if (!item || item.ownerId !== who && !(vulnerable && req.method === 'DELETE')) return send(404, { error: 'not found' });
    if (req.method === 'GET') return send(200, item);
    if (req.method === 'DELETE') {
      items.delete(item.id);
      return send(204);
    }
    return send(405);
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => void handle(req, res, body).catch(() => res.destroy()));
  };
  const server = createServer(onRequest);
  if (!tls) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      tokensIssued: () => issued.length,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
          db.close();
        }),
    };
  }
  // https, and plain http on the same port (told apart by the first byte: 0x16 opens a TLS handshake).
  // The vulnerable build serves plain http too; the fixed one only redirects it to https.
  const secure = createHttpsServer({ key: tls.key, cert: tls.cert }, onRequest);
  const plain = vulnerable ? server : createServer((req, res) => res.writeHead(308, { location: `https://localhost${req.url ?? '/'}` }).end());
  const front = createNetServer((socket) => {
    socket.once('data', (first: Buffer) => {
      // A JS stream in front of the socket: TLS reads a net.Socket's handle directly and would miss `first`.
      const stream = new Duplex({
        read() {},
        write(chunk: Buffer, _enc, done) {
          socket.write(chunk, done);
        },
        final(done) {
          socket.end();
          done();
        },
        destroy(err, done) {
          socket.destroy();
          done(err);
        },
      });
      stream.push(first);
      socket.on('data', (c: Buffer) => stream.push(c));
      socket.on('end', () => stream.push(null));
      socket.on('error', () => stream.destroy());
      (first[0] === 0x16 ? secure : plain).emit('connection', stream);
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://localhost:${(front.address() as AddressInfo).port}`,
    tokensIssued: () => issued.length,
    close: () =>
      new Promise<void>((resolve) => {
        front.close(() => resolve());
        for (const s of [secure, server, plain]) s.closeAllConnections();
        db.close();
      }),
  };
}
