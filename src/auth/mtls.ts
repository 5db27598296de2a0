// Client-certificate authentication: the TLS listener verified the certificate against its client
// CAs (`tls.clientCerts`); here a verified certificate is mapped to a consumer by its SHA-256
// fingerprint, a subjectAltName entry or its subject CN. Unverified (untrusted, expired) certificates
// are refused; so are certificates that map to nobody unless `allowUnmapped`. The answer is kept per
// connection: keep-alive requests cost one WeakMap lookup.
import type { Identity, RequestContext } from '../core/context.ts';
import type { Authenticator } from './authenticate.ts';
import { quote } from './bearer.ts';
import { clientCertificate, type ClientCertificate } from './client-cert.ts';
import { AuthFailure } from './failure.ts';
import type { MtlsSchemeConfig } from './mtls-schema.ts';

interface MappedConsumer {
  readonly id: string;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
  readonly claims: Record<string, unknown>;
}

export function mtlsAuthenticator(name: string, config: MtlsSchemeConfig, where: string): Authenticator {
  const byFingerprint = new Map<string, MappedConsumer>();
  const bySan = new Map<string, MappedConsumer>();
  const byCn = new Map<string, MappedConsumer>();
  for (const [i, c] of config.consumers.entries()) {
    const mapped: MappedConsumer = { id: c.id, roles: c.roles, scopes: c.scopes, claims: { ...(c.tier === undefined ? {} : { tier: c.tier }), metadata: c.metadata } };
    for (const [j, m] of c.certificates.entries()) {
      const [table, key] = m.sha256 !== undefined ? [byFingerprint, m.sha256.replaceAll(':', '').toLowerCase()] : m.san !== undefined ? [bySan, normalizeSan(m.san)] : [byCn, m.cn!];
      const other = table.get(key);
      if (other !== undefined && other.id !== c.id) throw new Error(`${where}consumers[${i}].certificates[${j}]: the same certificate is mapped to "${other.id}" too`);
      table.set(key, mapped);
    }
  }
  const answers = new WeakMap<ClientCertificate, Identity | AuthFailure>();
  const judge = (cert: ClientCertificate): Identity | AuthFailure => {
    if (!cert.authorized) return new AuthFailure(cert.error === 'CERT_HAS_EXPIRED' ? 'expired' : cert.error === 'CERT_NOT_YET_VALID' ? 'not_yet_valid' : 'untrusted_certificate', cert.error);
    const now = Date.now();
    if (Date.parse(cert.cert.validTo) <= now) return new AuthFailure('expired');
    const cn = commonName(cert.cert.subject);
    const sans = subjectAltNames(cert.cert.subjectAltName);
    let consumer = byFingerprint.get(cert.fingerprint);
    for (let i = 0; consumer === undefined && i < sans.length; i++) consumer = bySan.get(sans[i]!);
    if (consumer === undefined && cn !== undefined) consumer = byCn.get(cn);
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
      if (answer === undefined) answers.set(cert, (answer = judge(cert)));
      if (answer instanceof AuthFailure) throw answer;
      // A long-lived connection must not outlive its certificate.
      if (Date.parse(cert.cert.validTo) <= Date.now()) throw new AuthFailure('expired');
      return answer;
    },
    challenge: (realm) => `MutualTLS realm="${quote(realm)}"`,
  };
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
