// One API listener: an HTTP or HTTPS server hardened per `limits` (head size and count, slow clients,
// connections per client address), answering parse errors itself, and reloading its certificate
// (and client CAs) when the files change. With `tls.clientCerts` it asks clients for certificates.
import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { ListenerConfig } from '../config/types.ts';
import { toMs } from '../config/units.ts';
import { answerClientError } from './client-error.ts';

export interface ListenerLimits {
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
  readonly maxHeaderSize: number;
  readonly maxHeaderCount: number;
  readonly maxConnectionsPerIp: number;
}

export interface ApiListener {
  readonly config: ListenerConfig;
  readonly server: Server;
  readonly hsts: string | undefined;
  reloadCertificate(): void;
  applyLimits(limits: ListenerLimits): void;
  close(): void;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export function createListener(config: ListenerConfig, limits: ListenerLimits, baseDir: string, logger: Logger, handler: Handler): ApiListener {
  const tls = config.tls;
  const certPath = tls ? resolve(baseDir, tls.cert) : '';
  const keyPath = tls ? resolve(baseDir, tls.key) : '';
  const httpOptions = {
    maxHeaderSize: limits.maxHeaderSize,
    headersTimeout: limits.headersTimeout,
    requestTimeout: limits.requestTimeout,
    keepAliveTimeout: limits.keepAliveTimeout,
    requireHostHeader: false, // checked in the handler, to answer with a problem document
    joinDuplicateHeaders: false,
    insecureHTTPParser: false,
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeout),
  };
  // Mutual TLS: ask for a client certificate; `required` refuses the handshake without a valid one.
  const clientCas = tls?.clientCerts ? (Array.isArray(tls.clientCerts.ca) ? tls.clientCerts.ca : [tls.clientCerts.ca]).map((p) => resolve(baseDir, p)) : [];
  const secureContext = () => ({ cert: readFileSync(certPath), key: readFileSync(keyPath), minVersion: tls!.minVersion, ...(clientCas.length ? { ca: clientCas.map((p) => readFileSync(p)) } : {}) });
  const clientCertOptions = tls?.clientCerts ? { requestCert: true, rejectUnauthorized: tls.clientCerts.mode === 'required' } : {};
  const server: Server = tls ? createHttpsServer({ ...httpOptions, ...secureContext(), ...clientCertOptions }, handler) : createHttpServer(httpOptions, handler);

  let maxPerIp = limits.maxConnectionsPerIp;
  const perIp = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    // Node keeps the address once read, so requests on this connection read it at no cost. A
    // connection reset before it was accepted has none (getpeername fails): closed unread, never
    // counted or judged under an empty address.
    const ip = socket.remoteAddress;
    if (ip === undefined) {
      socket.destroy();
      return;
    }
    const n = (perIp.get(ip) ?? 0) + 1;
    if (n > maxPerIp) {
      socket.destroy();
      return;
    }
    perIp.set(ip, n);
    socket.once('close', () => {
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left <= 0) perIp.delete(ip);
      else perIp.set(ip, left);
    });
  });
  server.on('clientError', answerClientError);
  // WebSocket and other upgrades are not proxied: refuse them clearly instead of hanging.
  const refuse = (code: string) => (_req: IncomingMessage, socket: Socket) => answerClientError(Object.assign(new Error(code), { code }), socket);
  server.on('upgrade', refuse('PCL_UPGRADE'));
  server.on('connect', refuse('PCL_CONNECT'));
  // Expect: 100-continue is answered by Node; any other expectation cannot be met.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    res.shouldKeepAlive = false;
    answerClientError(Object.assign(new Error('expectation'), { code: 'PCL_EXPECTATION' }), req.socket, res);
  });
  if (tls) server.on('tlsClientError', (_error: Error, socket: Socket) => socket.destroy());

  const applyLimits = (l: ListenerLimits) => {
    server.maxHeadersCount = l.maxHeaderCount + 1; // one more than allowed, so the handler can tell and answer 431
    server.headersTimeout = l.headersTimeout;
    server.requestTimeout = l.requestTimeout;
    server.keepAliveTimeout = l.keepAliveTimeout;
    maxPerIp = l.maxConnectionsPerIp;
  };
  applyLimits(limits);

  const reloadCertificate = () => {
    if (!tls) return;
    try {
      (server as import('node:https').Server).setSecureContext(secureContext());
      logger.info({ listener: config.name }, 'TLS certificate reloaded');
    } catch (error) {
      logger.error({ listener: config.name, err: (error as Error).message }, 'TLS certificate reload failed; the previous certificate stays in use');
    }
  };
  const watchers: FSWatcher[] = [];
  if (tls) {
    let timer: NodeJS.Timeout | undefined;
    for (const path of [certPath, keyPath, ...clientCas]) {
      try {
        watchers.push(
          watch(path, () => {
            clearTimeout(timer);
            timer = setTimeout(reloadCertificate, 200);
          }),
        );
      } catch {
        // watching is best effort; SIGHUP reloads as well
      }
    }
  }
  const hsts = tls?.hsts
    ? `max-age=${Math.floor(toMs(tls.hsts.maxAge) / 1000)}${tls.hsts.includeSubDomains ? '; includeSubDomains' : ''}${tls.hsts.preload ? '; preload' : ''}`
    : undefined;
  return {
    config,
    server,
    hsts,
    reloadCertificate,
    applyLimits,
    close() {
      for (const w of watchers) w.close();
      server.close();
      server.closeIdleConnections();
    },
  };
}
