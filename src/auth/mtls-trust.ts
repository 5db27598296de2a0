// The client CAs of the listener a connection arrived on: its certificates, and how many independent
// authorities they make (a root and the intermediates it signed are one; two roots are two). A
// `cn`/`san` mapping without `issuer` is only sound under one authority, since any trusted CA can
// write any name. The listener does not hand policies its CAs, so they are read from the TLS server
// (`ca`, the option it was created or last reloaded with: a new value on each reload, cached by
// identity). Anything unreadable is "unknown", which the caller treats as several (fail closed).
import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { fingerprintOf, issued, pemCertificates } from './mtls-chain.ts';

export interface ListenerTrust {
  readonly certs: readonly X509Certificate[];
  /** Independent authorities among them; 0 when they sign each other in a circle. */
  readonly authorities: number;
}

const byOption = new WeakMap<object, ListenerTrust | null>();

export function listenerTrust(socket: TLSSocket): ListenerTrust | undefined {
  const option = (socket as { server?: { ca?: unknown } }).server?.ca;
  if (option === undefined || option === null) return undefined;
  if (typeof option !== 'object') return read(option) ?? undefined;
  let known = byOption.get(option);
  if (known === undefined) byOption.set(option, (known = read(option)));
  return known ?? undefined;
}

function read(option: unknown): ListenerTrust | null {
  const parts = Array.isArray(option) ? option : [option];
  const unique = new Map<string, X509Certificate>();
  try {
    for (const part of parts) {
      if (typeof part !== 'string' && !Buffer.isBuffer(part)) return null;
      const certs = pemCertificates(part.toString());
      if (certs.length === 0) return null; // DER or something else: not counted, so not trusted to be one
      for (const c of certs) unique.set(fingerprintOf(c), c);
    }
  } catch {
    return null;
  }
  const certs = [...unique.values()];
  const authorities = certs.filter((c) => !certs.some((p) => p !== c && issued(p, c))).length;
  return Object.freeze({ certs, authorities });
}
