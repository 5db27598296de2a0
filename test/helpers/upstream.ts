// A real upstream HTTP server on an ephemeral port for integration tests. It records what it
// received so tests can assert what the gateway forwarded (or that nothing reached it).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly rawHeaders: string[];
  readonly body: Buffer;
}

export interface TestUpstream {
  readonly url: string;
  readonly port: number;
  readonly received: Received[];
  readonly server: Server;
  close(): Promise<void>;
}

export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

const echo: UpstreamHandler = (req, res, body) => {
  const text = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: body.toString('utf8') });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), server: 'upstream/1.0', 'x-powered-by': 'test' });
  res.end(text);
};

export async function startUpstream(handler: UpstreamHandler = echo): Promise<TestUpstream> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A response the upstream of servingBodies answers a path with. */
export interface CannedBody {
  readonly type: string;
  readonly body: string | Buffer;
}

/** An upstream answering each path of `bodies` (the path with its query) with 200 and that body. */
export function servingBodies(bodies: Readonly<Record<string, CannedBody>>): Promise<TestUpstream> {
  return startUpstream((req, res) => {
    const b = bodies[req.url ?? '']!;
    res.writeHead(200, { 'content-type': b.type });
    res.end(b.body);
  });
}
