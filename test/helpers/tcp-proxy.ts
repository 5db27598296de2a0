// A TCP relay in front of a real server (Redis in the rate-limit tests), to make it disappear and come
// back on the same address, or go silent (connections accepted, nothing answered), without touching
// the server that other tests share.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Closes every connection and stops listening: the server is "down". */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  /** Open connections stay up but nothing is answered (a hung server); off: those connections are reset. */
  silent(on: boolean): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let silent = false;
  let server: Server;
  let port = 0;
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  };
  const listen = async () => {
    server = createServer((client) => {
      track(client);
      if (silent) {
        client.resume();
        return;
      }
      const upstream = createConnection(targetPort, targetHost);
      track(upstream);
      // Bytes are dropped while silent: the client's connection stays up but gets no answer.
      client.on('data', (d: Buffer) => void (silent || upstream.write(d)));
      upstream.on('data', (d: Buffer) => void (silent || client.write(d)));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  };
  const cut = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  await listen();
  return {
    get port() {
      return port;
    },
    cut,
    restore: listen,
    silent(on) {
      silent = on;
      // Bytes were dropped: the streams are out of step, so the clients must reconnect.
      if (!on) for (const s of sockets) s.destroy();
    },
    close: async () => {
      if (server.listening) await cut();
    },
  };
}
