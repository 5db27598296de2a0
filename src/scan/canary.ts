// The SSRF canary: a tiny HTTP server of the scanner on loopback (or --canary-host). A URL with a
// one-time token is handed to the target; a request for that token proves the target fetched it. It
// then closes the connection without an answer: a fetch that fails is not stored (an avatar, a
// webhook checked first), so the probe leaves less behind.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface CanaryHit {
  readonly token: string;
  readonly method: string;
  readonly from: string;
  readonly userAgent: string;
}

export class Canary {
  readonly #server: Server;
  readonly #host: string;
  readonly #hits = new Map<string, CanaryHit>();
  readonly #waiters = new Map<string, () => void>();

  private constructor(server: Server, host: string) {
    this.#server = server;
    this.#host = host;
  }

  /** Listens on `bind` (default 127.0.0.1); URLs name `advertise` (default the bound address). */
  static async start(bind = '127.0.0.1', advertise?: string): Promise<Canary> {
    const server = createServer();
    server.requestTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, bind, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const host = advertise ?? (bind.includes(':') ? `[${bind}]` : bind);
    const canary = new Canary(server, `${host}:${port}`);
    server.on('request', (req, res) => {
      const token = /^\/c\/([a-z0-9]{16})/.exec(req.url ?? '')?.[1];
      if (token && !canary.#hits.has(token)) {
        canary.#hits.set(token, { token, method: req.method ?? '', from: req.socket.remoteAddress ?? '', userAgent: String(req.headers['user-agent'] ?? '') });
        canary.#waiters.get(token)?.();
      }
      res.socket?.destroy();
    });
    return canary;
  }

  /** A fresh URL and its token. */
  next(): { token: string; url: string } {
    const token = randomBytes(8).toString('hex');
    return { token, url: `http://${this.#host}/c/${token}` };
  }

  /** The hit for a token, waiting up to `ms` for it. */
  async hit(token: string, ms: number): Promise<CanaryHit | undefined> {
    const found = this.#hits.get(token);
    if (found || ms <= 0) return found;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#waiters.set(token, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.#waiters.delete(token);
    return this.#hits.get(token);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}
