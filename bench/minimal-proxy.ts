// The yardstick: the fastest minimal reverse proxy we know how to write with node:http + undici.
//   node bench/minimal-proxy.ts --port 8080 --upstream http://127.0.0.1:3000
// One keep-alive undici Pool; pool.stream writes the upstream response straight into the client
// response (no intermediate stream, no promise: callback form); hop-by-hop headers are dropped both ways.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' }, host: { type: 'string', default: '127.0.0.1' }, upstream: { type: 'string', default: 'http://127.0.0.1:3000' } } });
const pool = new Pool(values.upstream, { connections: 128, pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 });

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authenticate', 'proxy-authorization', 'host']);

// Flat [name, value, ...] list without hop-by-hop headers nor those the Connection header names.
function strip(raw: string[], connection: string | string[] | undefined): string[] {
  const named = connection ? String(connection).toLowerCase().split(',').map((s) => s.trim()) : null;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (HOP.has(name) || (named !== null && named.includes(name))) continue;
    out.push(name, raw[i + 1]!);
  }
  return out;
}

// Copy rather than delete: deleting keys turns the object into a slow dictionary for writeHead.
function factory({ statusCode, headers, opaque }: { statusCode: number; headers: Record<string, string | string[] | undefined>; opaque: unknown }): ServerResponse {
  const res = opaque as ServerResponse;
  const named = headers.connection ? String(headers.connection).toLowerCase().split(',').map((s) => s.trim()) : null;
  const out: Record<string, string | string[] | undefined> = {};
  for (const name in headers) if (!HOP.has(name) && (named === null || !named.includes(name))) out[name] = headers[name];
  res.writeHead(statusCode, out);
  return res;
}

function done(this: ServerResponse, err: Error | null): void {
  if (!err) return;
  if (this.headersSent) this.destroy(err);
  else { this.writeHead(502, { 'content-type': 'application/json' }); this.end('{"error":"bad gateway"}'); }
}

createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req: IncomingMessage, res: ServerResponse) => {
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  pool.stream(
    { path: req.url!, method: req.method as 'GET', headers: strip(req.rawHeaders, req.headers.connection), body: hasBody ? req : null, opaque: res },
    factory as never,
    done.bind(res),
  );
}).listen(Number(values.port), values.host, () => console.log(`listening ${values.port}`));

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
