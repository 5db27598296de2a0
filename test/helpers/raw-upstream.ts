// An upstream that writes its answers byte for byte on a raw TCP socket, for responses an HTTP server
// library refuses to produce (repeated or malformed fields, odd transfer codings). Requests are read
// up to the end of their head (tests send bodiless ones); connections are kept alive.
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface RawUpstream {
  readonly url: string;
  /** The request heads received, as text. */
  readonly received: string[];
  close(): Promise<void>;
}

/** `answer` gets the request head (request line and fields) and returns the whole response. */
export async function startRawUpstream(answer: (head: string) => string | Buffer): Promise<RawUpstream> {
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end !== -1; end = pending.indexOf('\r\n\r\n')) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        received.push(head);
        socket.write(answer(head));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A response with a Content-Length, its head fields as given ("Name: value"). */
export function rawResponse(status: string, fields: readonly string[], body: string | Buffer): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([Buffer.from(`HTTP/1.1 ${status}\r\n${[...fields, `Content-Length: ${bytes.length}`].join('\r\n')}\r\n\r\n`, 'latin1'), bytes]);
}

/** A chunked response (one chunk) with its head fields as given, Transfer-Encoding among them. */
export function rawChunkedResponse(status: string, fields: readonly string[], body: string | Buffer): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([Buffer.from(`HTTP/1.1 ${status}\r\n${fields.join('\r\n')}\r\n\r\n${bytes.length.toString(16)}\r\n`, 'latin1'), bytes, Buffer.from('\r\n0\r\n\r\n')]);
}
