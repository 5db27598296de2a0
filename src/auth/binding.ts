// RFC 8705 certificate-bound access tokens: a token whose `cnf` claim carries `x5t#S256` is only
// valid on a TLS connection whose client certificate has that SHA-256 thumbprint. Checked on every
// request (after the verified-token cache), since the same token may arrive on another connection.
import { timingSafeEqual } from 'node:crypto';
import type { Identity, RequestContext } from '../core/context.ts';
import { clientCertificate } from './client-cert.ts';
import { AuthFailure } from './failure.ts';

export function checkCertificateBinding(result: Identity | Promise<Identity>, ctx: RequestContext): Identity | Promise<Identity> {
  if (result instanceof Promise) return result.then((identity) => bound(identity, ctx));
  return bound(result, ctx);
}

function bound(identity: Identity, ctx: RequestContext): Identity {
  const cnf = identity.claims.cnf;
  if (cnf === undefined || cnf === null || typeof cnf !== 'object') return identity;
  const expected = (cnf as Record<string, unknown>)['x5t#S256'];
  if (expected === undefined) return identity;
  const cert = clientCertificate(ctx);
  if (typeof expected !== 'string' || cert === undefined) throw new AuthFailure('certificate_mismatch', 'cnf');
  const a = Buffer.from(expected);
  const b = Buffer.from(cert.thumbprint);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new AuthFailure('certificate_mismatch', 'cnf');
  return identity;
}
