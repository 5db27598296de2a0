// The client certificate of a request's TLS connection, read once per connection (keep-alive
// requests share it): the certificate, its SHA-256 thumbprint (RFC 8705 `x5t#S256`, base64url of the
// DER) and fingerprint, and whether the listener's CAs verified it.
import { createHash, type X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { RequestContext } from '../core/context.ts';

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
  const known = byConnection.get(socket);
  if (known !== undefined) return known ?? undefined;
  const tls = socket as Partial<TLSSocket>;
  const cert = typeof tls.getPeerX509Certificate === 'function' ? tls.getPeerX509Certificate() : undefined;
  let found: ClientCertificate | typeof NONE = NONE;
  if (cert !== undefined) {
    const digest = createHash('sha256').update(cert.raw).digest();
    const error = tls.authorizationError;
    found = Object.freeze({
      cert,
      thumbprint: digest.toString('base64url'),
      fingerprint: digest.toString('hex'),
      authorized: tls.authorized === true,
      error: error === undefined || error === null ? undefined : String(error),
    });
  }
  byConnection.set(socket, found);
  return found ?? undefined;
}
