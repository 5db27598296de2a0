// The `issuer` of a certificate mapping, read at load: SHA-256 fingerprints of CA certificates, given
// as fingerprints, as PEM text (`${file:...}`) or as paths of PEM files (relative to the config file).
// A PEM's certificates also join the pool the chain is built from, so an intermediate CA the listener
// does not hold can still be checked.
import type { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fingerprintOf, pemCertificates } from './mtls-chain.ts';

export const FINGERPRINT = /^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/;

export interface Issuers {
  readonly fingerprints: ReadonlySet<string>;
  readonly certs: readonly X509Certificate[];
}

export function readIssuers(value: string | string[], baseDir: string | undefined, where: string): Issuers {
  const fingerprints = new Set<string>();
  const certs: X509Certificate[] = [];
  for (const entry of Array.isArray(value) ? value : [value]) {
    if (FINGERPRINT.test(entry)) {
      fingerprints.add(entry.replaceAll(':', '').toLowerCase());
      continue;
    }
    const inline = entry.trimStart().startsWith('-----BEGIN');
    const label = inline ? 'the PEM' : entry;
    let text = entry;
    if (!inline) {
      const file = path(entry, baseDir, where);
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new Error(`${where}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
    }
    let found: X509Certificate[];
    try {
      found = pemCertificates(text);
    } catch (error) {
      throw new Error(`${where}: ${label}: a certificate does not parse (${(error as Error).message})`);
    }
    if (found.length === 0) throw new Error(`${where}: ${label}: no certificate in it (give a CA certificate PEM or its SHA-256 fingerprint)`);
    for (const c of found) {
      if (!c.ca) throw new Error(`${where}: ${label}: "${c.subject.replaceAll('\n', ', ')}" is not a CA certificate`);
      fingerprints.add(fingerprintOf(c));
      certs.push(c);
    }
  }
  return { fingerprints, certs };
}

function path(file: string, baseDir: string | undefined, where: string): string {
  if (isAbsolute(file)) return file;
  if (baseDir === undefined) throw new Error(`${where}: a relative path needs the config directory here; give an absolute path or \${file:${file}}`);
  return resolve(baseDir, file);
}
