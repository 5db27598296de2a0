// One API listener: an HTTP or HTTPS server hardened per `limits` (head size and count, slow clients,
// connections per client address), answering parse errors itself, and reloading its certificate
// (and client CAs) when the files change. With `tls.clientCerts` it asks clients for certificates,
// and keeps which CAs verified each connection: a connection verified under a CA a reload dropped is
// not served again (its `authorized` was fixed at the handshake), the client reconnects.
import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { resolve } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { fingerprintOf, pemCertificates } from '../auth/mtls-chain.ts';
import type { ListenerConfig } from '../config/types.ts';
import { toMs } from '../config/units.ts';
import { GatewayError } from '../core/errors.ts';
import { renderProblem } from '../core/problem.ts';
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

/** The files of a listener's `tls.clientCerts.ca`, as read at its start or last reload. */
export type ClientCas = readonly Buffer[];

/** A listener's client CAs and their generation, bumped when a reload drops one of them. */
interface CaSet {
  readonly cas: ClientCas;
  readonly generation: number;
  readonly listener: { current: CaSet };
}

/** Per TLS connection of an mTLS listener: the CA set its certificate was verified against. */
const verifiedUnder = new WeakMap<Socket, CaSet>();

/** The client CAs that verified this connection's certificate (at its handshake); undefined off mTLS listeners. */
export function trustedClientCas(socket: Socket): ClientCas | undefined {
  return verifiedUnder.get(socket)?.cas;
}

/** A reload dropped a CA this connection was verified under: its `authorized` no longer holds. */
export function clientCasChanged(socket: Socket): boolean {
  const at = verifiedUnder.get(socket);
  return at !== undefined && at.generation !== at.listener.current.generation;
}

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
  const clientCaPaths = tls?.clientCerts ? (Array.isArray(tls.clientCerts.ca) ? tls.clientCerts.ca : [tls.clientCerts.ca]).map((p) => resolve(baseDir, p)) : [];
  const readClientCas = (): ClientCas => clientCaPaths.map((p) => readFileSync(p));
  const clientCas = tls?.clientCerts ? ({} as { current: CaSet }) : undefined;
  if (clientCas) clientCas.current = { cas: readClientCas(), generation: 0, listener: clientCas };
  const secureContext = (ca: ClientCas | undefined) => ({ cert: readFileSync(certPath), key: readFileSync(keyPath), minVersion: tls!.minVersion, ...(ca ? { ca: ca as Buffer[] } : {}) });
  const clientCertOptions = tls?.clientCerts ? { requestCert: true, rejectUnauthorized: tls.clientCerts.mode === 'required' } : {};
  // Only mTLS listeners look at the connection before the handler: one WeakMap read per request.
  const serve: Handler = clientCas === undefined ? handler : (req, res) => {
    if (!clientCasChanged(req.socket)) handler(req, res);
    else if ((req.socket as TLSSocket).getPeerX509Certificate() !== undefined) refuseOutdated(res);
    else {
      verifiedUnder.set(req.socket, clientCas.current); // no certificate: nothing was verified
      handler(req, res);
    }
  };
  const server: Server = tls ? createHttpsServer({ ...httpOptions, ...secureContext(clientCas?.current.cas), ...clientCertOptions }, serve) : createHttpServer(httpOptions, handler);

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
  if (clientCas) {
    // A connection's TLS context, so the CAs that verify its certificate, is fixed when it is accepted;
    // its TLS socket only comes after the handshake, which a reload can fall within. The two are
    // matched by the peer's address and port (unique among open connections).
    const accepted = new Map<string, { raw: Socket; at: CaSet }>();
    server.on('connection', (raw: Socket) => {
      if (raw.destroyed) return; // refused above
      const key = `${raw.remoteAddress} ${raw.remotePort}`;
      accepted.set(key, { raw, at: clientCas.current });
      raw.once('close', () => {
        if (accepted.get(key)?.raw === raw) accepted.delete(key);
      });
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      const key = `${socket.remoteAddress} ${socket.remotePort}`;
      const at = accepted.get(key)?.at;
      accepted.delete(key);
      // Not matched: taken as verified under CAs since dropped (fail closed).
      verifiedUnder.set(socket, at ?? { cas: [], generation: -1, listener: clientCas });
    });
  }

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
      const next = clientCas && reloaded(clientCas.current, readClientCas());
      (server as HttpsServer).setSecureContext(secureContext(next?.cas));
      const dropped = next !== undefined && next.generation !== clientCas!.current.generation;
      if (next) clientCas!.current = next;
      if (dropped) {
        // Connections verified under a dropped CA are refused from their next request on; the idle
        // ones (whatever their certificate) are closed now, so their clients reconnect without one.
        // (Sessions never resume across a reload: each new context has its own ticket keys.)
        server.closeIdleConnections();
        logger.info({ listener: config.name }, 'client CAs removed: connections opened before are closed');
      }
      logger.info({ listener: config.name }, 'TLS certificate reloaded');
    } catch (error) {
      logger.error({ listener: config.name, err: (error as Error).message }, 'TLS certificate reload failed; the previous certificate stays in use');
    }
  };
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  if (tls) {
    for (const path of [certPath, keyPath, ...clientCaPaths]) {
      try {
        watchers.push(
          watch(path, () => {
            clearTimeout(timer);
            timer = setTimeout(reloadCertificate, 200).unref();
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
      clearTimeout(timer); // a change just before closing: nothing to reload any more
      for (const w of watchers) w.close();
      server.close();
      server.closeIdleConnections();
    },
  };
}

/**
 * The CA set after a reload: the same one when the files did not change; a new generation when a CA
 * of the previous set is gone (or a file does not read as certificates), not when CAs were only added.
 */
function reloaded(current: CaSet, cas: ClientCas): CaSet {
  if (cas.length === current.cas.length && cas.every((b, i) => b.equals(current.cas[i]!))) return current;
  return { cas, generation: keepsAll(current.cas, cas) ? current.generation : current.generation + 1, listener: current.listener };
}

function keepsAll(before: ClientCas, after: ClientCas): boolean {
  try {
    const certs = (cas: ClientCas) => cas.map((b) => pemCertificates(b.toString()).map(fingerprintOf));
    const kept = new Set(certs(after).flat());
    return certs(before).every((file) => file.length > 0 && file.every((fp) => kept.has(fp)));
  } catch {
    return false;
  }
}

/**
 * A request on a connection verified under a CA since dropped: not served, the connection closed. 421
 * asks the client to send it again on a new connection (RFC 9110 §15.5.20), verified under the
 * current CAs; a 401 would tell a client whose CA is still trusted that its certificate is bad.
 */
function refuseOutdated(res: ServerResponse): void {
  const { status, headers, body } = renderProblem(new GatewayError('PCL_ERR_MISDIRECTED', 'The client CAs changed since this connection was opened: send the request on a new connection.'), '');
  res.shouldKeepAlive = false;
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body), 'x-content-type-options': 'nosniff', connection: 'close' });
  res.end(body);
}
