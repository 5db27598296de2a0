// The client CAs a connection's certificate was verified against: its certificates, and how many
// independent authorities they make (a root and the intermediates it signed are one; two roots are
// two). A `cn`/`san` mapping without `issuer` is only sound under one authority, since any trusted CA
// can write any name. The listener keeps the CAs of each connection's handshake (a new list when a
// reload changes them, cached here by identity). Anything unreadable is "unknown", which the caller
// treats as several (fail closed).
import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { trustedClientCas } from '../server/listener.ts';
import { fingerprintOf, issued, pemCertificates } from './mtls-chain.ts';

export interface ListenerTrust {
  readonly certs: readonly X509Certificate[];
  /** Independent authorities among them; 0 when they sign each other in a circle. */
  readonly authorities: number;
}

const byCas = new WeakMap<object, ListenerTrust | null>();

export function listenerTrust(socket: TLSSocket): ListenerTrust | undefined {
  return trustOf(trustedClientCas(socket));
}

/** The trust made by a `ca` option value (PEM text, a buffer, or a list of them). */
export function trustOf(cas: unknown): ListenerTrust | undefined {
  if (cas === undefined || cas === null) return undefined;
  if (typeof cas !== 'object') return read(cas) ?? undefined;
  let known = byCas.get(cas);
  if (known === undefined) byCas.set(cas, (known = read(cas)));
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
