// Which CAs stand above a verified client certificate, as SHA-256 fingerprints. Node's
// getPeerCertificate(true) cannot be taken as the verified path: it links certificates by name (the
// client's own, then the listener's store) and, in current releases, loses the ones the client sent.
// So every link is checked here by its signature, over a pool of candidates (that chain, the
// listener's CAs, the configured issuers): a CA counts only if its key signed the path to the leaf.
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';

const MAX_DEPTH = 8;

/** Lower-case hex SHA-256 of the DER certificate, without colons. */
export function fingerprintOf(cert: X509Certificate): string {
  return cert.fingerprint256.replaceAll(':', '').toLowerCase();
}

/** `parent` is a CA whose key signed `child` (names, key ids and signature; never names alone). */
export function issued(parent: X509Certificate, child: X509Certificate): boolean {
  return parent.ca && child.checkIssued(parent) && child.verify(parent.publicKey);
}

/** Every certificate of a PEM text; throws on a block that does not parse. */
export function pemCertificates(text: string): X509Certificate[] {
  return (text.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map((block) => new X509Certificate(block));
}

/** The certificates above the leaf in Node's view of the peer chain (unverified: candidates only). */
export function peerChain(socket: TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  let node = socket.getPeerCertificate(true);
  for (let i = 0; i < MAX_DEPTH && node?.issuerCertificate && node.issuerCertificate !== node; i++) {
    node = node.issuerCertificate;
    if (node.raw) out.push(new X509Certificate(node.raw));
  }
  return out;
}

/** Fingerprints of every CA from `pool` that signed a path up to `leaf`, each within its validity. */
export function issuerFingerprints(leaf: X509Certificate, pool: readonly X509Certificate[], now = Date.now()): Set<string> {
  const usable = pool.filter((c) => Date.parse(c.validFrom) <= now && now < Date.parse(c.validTo));
  const found = new Set<string>();
  let level = [leaf];
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
    const next: X509Certificate[] = [];
    for (const child of level) {
      for (const parent of usable) {
        const fp = fingerprintOf(parent);
        if (found.has(fp) || fp === fingerprintOf(child) || !issued(parent, child)) continue;
        found.add(fp);
        next.push(parent);
      }
    }
    level = next;
  }
  return found;
}
