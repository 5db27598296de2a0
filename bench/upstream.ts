// Benchmark upstream: a bare node:http server with precomputed answers, run as its own process.
//   node bench/upstream.ts --port 3000 [--host 127.0.0.1]
// GET /small  ~100-byte JSON      GET /2kb  ~2 KB JSON      POST|PUT /echo  the request body back
// GET /ops/...  the small body (for the generated documents of the ops-get scenario)
// Anything else: 404 JSON. Prints "listening <port>" once it accepts connections.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { notFound, small, twoKb } from './lib/bodies.ts';

const { values } = parseArgs({ options: { port: { type: 'string', default: '3000' }, host: { type: 'string', default: '127.0.0.1' } } });

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
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, Buffer.from(JSON.stringify({ error: 'method not allowed' })));
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
