// Benchmark upstream: a bare node:http server with precomputed answers, run as its own process.
//   node bench/upstream.ts --port 3000 [--host 127.0.0.1]
// GET /small  ~100-byte JSON      GET /2kb  ~2 KB JSON      POST|PUT /echo  the request body back
// GET /ops/...  the small body (for the generated documents of the ops-get scenario)
// Anything else: 404 JSON. Prints "listening <port>" once it accepts connections.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '3000' }, host: { type: 'string', default: '127.0.0.1' } } });

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

const small = json({ id: 42, name: 'portcullis', kind: 'bench', ok: true, tags: ['small', 'json'], score: 0.75, v: 1 });
// Owned by the subject of bench/make-jwt.ts's token, except one item (the ownership scenario filters it).
const items = Array.from({ length: 18 }, (_, i) => ({ id: i + 1, name: `item-${String(i + 1).padStart(3, '0')}`, price: 9.99 + i, inStock: i % 3 !== 0, sku: `SKU-${1000 + i}`, ownerId: i === 17 ? 'someone-else' : 'bench-user' }));
let twoKb = json({ items, total: items.length, page: 1 });
twoKb = json({ items, total: items.length, page: 1, pad: 'x'.repeat(Math.max(0, 2048 - twoKb.length - 9)) });
const notFound = json({ error: 'not found' });

const JSON_TYPE = 'application/json';

function send(res: ServerResponse, status: number, body: Buffer, type = JSON_TYPE): void {
  res.writeHead(status, { 'content-type': type, 'content-length': body.length });
  res.end(body);
}

function echo(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => send(res, 200, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), req.headers['content-type'] ?? 'application/octet-stream'));
}

const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000, requestTimeout: 0 }, (req, res) => {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (path === '/echo' && (req.method === 'POST' || req.method === 'PUT')) return echo(req, res);
  req.resume();
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, json({ error: 'method not allowed' }));
  if (path === '/small' || path === '/') return send(res, 200, small);
  if (path === '/2kb') return send(res, 200, twoKb);
  if (path.startsWith('/ops/')) return send(res, 200, small); // the generated many-operation documents
  send(res, 404, notFound);
});

server.listen(Number(values.port), values.host, () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : values.port}`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
