// Client-certificate authentication: the TLS listener verified the certificate against its client
// CAs (`tls.clientCerts`); here a verified certificate is mapped to a consumer by its SHA-256
// fingerprint, a subjectAltName entry or its subject CN, each optionally tied to the CA(s) that must
// have issued it (`issuer`). Any trusted CA can write any name, so a cn/san mapping without `issuer`
// only matches on a listener whose client CAs are one authority. Unverified (untrusted, expired)
// certificates are refused; so are certificates that map to nobody unless `allowUnmapped`, and
// always those that name a consumer but come from another CA. The answer is kept per connection:
// keep-alive requests cost one WeakMap lookup.
import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Identity, RequestContext } from '../core/context.ts';
import type { Authenticator } from './authenticate.ts';
import { quote } from './bearer.ts';
import { clientCertificate, type ClientCertificate } from './client-cert.ts';
import { AuthFailure } from './failure.ts';
import { issuerFingerprints, peerChain } from './mtls-chain.ts';
import { readIssuers } from './mtls-issuer.ts';
import type { MtlsSchemeConfig } from './mtls-schema.ts';
import { listenerTrust } from './mtls-trust.ts';

interface MappedConsumer {
  readonly id: string;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
  readonly claims: Record<string, unknown>;
}

interface Mapping {
  readonly consumer: MappedConsumer;
  readonly by: 'sha256' | 'san' | 'cn';
  /** Fingerprints of the CAs it must chain to; undefined: any CA of the listener. */
  readonly issuers: ReadonlySet<string> | undefined;
}

/** `baseDir` resolves relative `issuer` paths (without it, only absolute ones are accepted). */
export function mtlsAuthenticator(name: string, config: MtlsSchemeConfig, where: string, baseDir?: string): Authenticator {
  const byFingerprint = new Map<string, Mapping[]>();
  const bySan = new Map<string, Mapping[]>();
  const byCn = new Map<string, Mapping[]>();
  const pool: X509Certificate[] = [];
  for (const [i, c] of config.consumers.entries()) {
    const consumer: MappedConsumer = { id: c.id, roles: c.roles, scopes: c.scopes, claims: { ...(c.tier === undefined ? {} : { tier: c.tier }), metadata: c.metadata } };
    for (const [j, m] of c.certificates.entries()) {
      const at = `${where}consumers[${i}].certificates[${j}]`;
      const [table, key, by] = m.sha256 !== undefined ? [byFingerprint, m.sha256.replaceAll(':', '').toLowerCase(), 'sha256' as const] : m.san !== undefined ? [bySan, normalizeSan(m.san), 'san' as const] : [byCn, m.cn!, 'cn' as const];
      const issuers = m.issuer === undefined ? undefined : readIssuers(m.issuer, baseDir, `${at}.issuer`);
      if (issuers) pool.push(...issuers.certs);
      const mapping: Mapping = { consumer, by, issuers: issuers?.fingerprints };
      const list = table.get(key) ?? [];
      const other = list.find((o) => o.consumer.id !== c.id && overlap(o.issuers, mapping.issuers));
      if (other !== undefined) throw new Error(`${at}: the same certificate is mapped to "${other.consumer.id}" too${mapping.issuers || other.issuers ? ' (give each its own issuer)' : ''}`);
      table.set(key, [...list, mapping]);
    }
  }
  const answers = new WeakMap<ClientCertificate, Identity | AuthFailure>();
  const judge = (cert: ClientCertificate, socket: TLSSocket): Identity | AuthFailure => {
    if (!cert.authorized) return new AuthFailure(cert.error === 'CERT_HAS_EXPIRED' ? 'expired' : cert.error === 'CERT_NOT_YET_VALID' ? 'not_yet_valid' : 'untrusted_certificate', cert.error);
    const now = Date.now();
    if (Date.parse(cert.cert.validTo) <= now) return new AuthFailure('expired');
    const cn = commonName(cert.cert.subject);
    const sans = subjectAltNames(cert.cert.subjectAltName);
    // Worked out only when a mapping needs them, once per connection.
    let chain: Set<string> | undefined;
    const issuedBy = (fingerprints: ReadonlySet<string>) => {
      chain ??= safely(() => issuerFingerprints(cert.cert, [...peerChain(socket), ...(listenerTrust(socket)?.certs ?? []), ...pool], now));
      for (const fp of chain) if (fingerprints.has(fp)) return true;
      return false;
    };
    // Why a mapping that matched by name was not taken (the first one), for the log.
    let refused: string | undefined;
    const accepts = (m: Mapping): boolean => {
      if (m.issuers !== undefined) {
        if (issuedBy(m.issuers)) return true;
        refused ??= `${m.by} mapping of "${m.consumer.id}": not issued by its issuer`;
        return false;
      }
      if (m.by === 'sha256') return true; // the exact certificate is pinned
      const authorities = listenerTrust(socket)?.authorities;
      if (authorities === 1) return true;
      refused ??= `${m.by} mapping of "${m.consumer.id}" needs an issuer: the listener trusts ${authorities ?? 'an unknown number of'} client CAs`;
      return false;
    };
    // Fingerprint, then each SAN, then the CN; under one name, two consumers would be ambiguous.
    let consumer: MappedConsumer | undefined;
    for (const list of [byFingerprint.get(cert.fingerprint), ...sans.map((s) => bySan.get(s)), cn === undefined ? undefined : byCn.get(cn)]) {
      const taken = new Set((list ?? []).filter(accepts).map((m) => m.consumer));
      if (taken.size > 1) return new AuthFailure('unmapped_certificate', `names ${[...taken].map((t) => `"${t.id}"`).join(' and ')} under CAs it chains to`);
      if ((consumer = taken.values().next().value) !== undefined) break;
    }
    if (consumer === undefined && refused !== undefined) return new AuthFailure('unmapped_certificate', refused);
    if (consumer === undefined && !config.allowUnmapped) return new AuthFailure('unmapped_certificate');
    const certificate = { subject: cert.cert.subject, issuer: cert.cert.issuer, san: sans, sha256: cert.fingerprint, serialNumber: cert.cert.serialNumber, validTo: cert.cert.validTo };
    return Object.freeze({
      consumerId: consumer?.id,
      subject: consumer?.id ?? cn,
      scopes: consumer?.scopes ?? [],
      roles: consumer?.roles ?? [],
      claims: Object.freeze({ ...consumer?.claims, certificate }),
      method: 'mtls',
    });
  };
  return {
    name,
    kind: 'mtls',
    extract: (ctx: RequestContext) => clientCertificate(ctx)?.fingerprint,
    verify(_fingerprint, ctx) {
      const cert = clientCertificate(ctx)!;
      let answer = answers.get(cert);
      if (answer === undefined) answers.set(cert, (answer = judge(cert, ctx.req.socket as TLSSocket)));
      if (answer instanceof AuthFailure) throw answer;
      // A long-lived connection must not outlive its certificate.
      if (Date.parse(cert.cert.validTo) <= Date.now()) throw new AuthFailure('expired');
      return answer;
    },
    challenge: (realm) => `MutualTLS realm="${quote(realm)}"`,
  };
}

/** A chain that cannot be read holds no issuer (fail closed). */
function safely(chain: () => Set<string>): Set<string> {
  try {
    return chain();
  } catch {
    return new Set();
  }
}

/** Two mappings of one name can both match a certificate unless their issuers are disjoint. */
function overlap(a: ReadonlySet<string> | undefined, b: ReadonlySet<string> | undefined): boolean {
  if (a === undefined || b === undefined) return true;
  for (const fp of a) if (b.has(fp)) return true;
  return false;
}

function commonName(subject: string): string | undefined {
  for (const line of subject.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return undefined;
}

/** Node's "DNS:a, IP Address:1.2.3.4, URI:x" as ["DNS:a", "IP:1.2.3.4", "URI:x"]. */
function subjectAltNames(value: string | undefined): string[] {
  if (value === undefined || value === '') return [];
  return value.split(', ').map((entry) => normalizeSan(entry.replace(/^(\w+(?: Address)?):"(.*)"$/, '$1:$2')));
}

function normalizeSan(entry: string): string {
  return entry.startsWith('IP Address:') ? `IP:${entry.slice('IP Address:'.length)}` : entry;
}
