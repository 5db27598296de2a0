// The client certificate of a request's TLS connection, read once per connection (keep-alive
// requests share it): the certificate, its SHA-256 thumbprint (RFC 8705 `x5t#S256`, base64url of the
// DER) and fingerprint, and whether the listener's CAs verified it. That verdict is the handshake's:
// once a reload drops a CA it was given under, it no longer stands (not authorized).
import { createHash, type X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { RequestContext } from '../core/context.ts';
import { clientCasChanged } from '../server/listener.ts';

export interface ClientCertificate {
  readonly cert: X509Certificate;
  /** base64url SHA-256 of the DER certificate (x5t#S256). */
  readonly thumbprint: string;
  /** Lower-case hex SHA-256 of the DER certificate, without colons. */
  readonly fingerprint: string;
  /** Verified against the listener's client CAs (and within its validity period). */
  readonly authorized: boolean;
  /** OpenSSL's reason when not authorized (e.g. CERT_HAS_EXPIRED). */
  readonly error: string | undefined;
}

const NONE = null;
const byConnection = new WeakMap<Socket, ClientCertificate | typeof NONE>();

export function clientCertificate(ctx: RequestContext): ClientCertificate | undefined {
  const socket = ctx.req.socket;
  let found = byConnection.get(socket);
  if (found === undefined) byConnection.set(socket, (found = read(socket)));
  if (found === NONE) return undefined;
  // The listener refuses such connections; this covers a request that got past it before the reload.
  return clientCasChanged(socket) ? Object.freeze({ ...found, authorized: false, error: 'CLIENT_CA_REMOVED' }) : found;
}

function read(socket: Socket): ClientCertificate | typeof NONE {
  const tls = socket as Partial<TLSSocket>;
  const cert = typeof tls.getPeerX509Certificate === 'function' ? tls.getPeerX509Certificate() : undefined;
  if (cert === undefined) return NONE;
  const digest = createHash('sha256').update(cert.raw).digest();
  const error = tls.authorizationError;
  return Object.freeze({
    cert,
    thumbprint: digest.toString('base64url'),
    fingerprint: digest.toString('hex'),
    authorized: tls.authorized === true,
    error: error === undefined || error === null ? undefined : String(error),
  });
}
