// A PKI for mutual-TLS tests, made with the openssl CLI: a trusted client CA, a foreign CA, a server
// certificate for localhost, and client certificates (CN, SAN, validity dates chosen by the test).
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface IssuedCert {
  readonly cert: string;
  readonly key: string;
  readonly certPath: string;
  /** Hex SHA-256 fingerprint with colons (as X509Certificate.fingerprint256). */
  readonly fingerprint256: string;
  /** RFC 8705 x5t#S256: base64url SHA-256 of the DER certificate. */
  readonly thumbprint: string;
}

export interface ClientPki {
  readonly dir: string;
  readonly caPath: string;
  readonly caCert: string;
  readonly server: IssuedCert & { readonly keyPath: string };
  issue(name: string, options?: { cn?: string; san?: string; ca?: 'trusted' | 'foreign'; expired?: boolean }): IssuedCert;
}

export function makeClientPki(): ClientPki {
  const dir = mkdtempSync(join(tmpdir(), 'pcl-mtls-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  for (const ca of ['trusted', 'foreign']) {
    run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${ca}-ca.key`, '-out', `${ca}-ca.pem`, '-days', '2', '-subj', `/CN=Portcullis ${ca} CA`);
    mkdirSync(join(dir, `${ca}-db`));
    writeFileSync(join(dir, `${ca}-db`, 'index.txt'), '');
    writeFileSync(join(dir, `${ca}-db`, 'serial'), `${ca === 'trusted' ? '10' : '80'}\n`);
    writeFileSync(
      join(dir, `${ca}.cnf`),
      `[ca]\ndefault_ca=d\n[d]\ndatabase=${ca}-db/index.txt\nnew_certs_dir=${ca}-db\nserial=${ca}-db/serial\ndefault_md=sha256\npolicy=p\nunique_subject=no\ncopy_extensions=none\n[p]\ncommonName=supplied\n`,
    );
  }
  const issue: ClientPki['issue'] = (name, o = {}) => {
    const ca = o.ca ?? 'trusted';
    run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${o.cn ?? name}`);
    writeFileSync(join(dir, `${name}.ext`), `[x]\nbasicConstraints=CA:FALSE\n${o.san ? `subjectAltName=${o.san}\n` : ''}`);
    const dates = o.expired ? ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z'] : ['-days', '2'];
    run('ca', '-batch', '-notext', '-config', `${ca}.cnf`, '-cert', `${ca}-ca.pem`, '-keyfile', `${ca}-ca.key`, '-in', `${name}.csr`, '-out', `${name}.pem`, '-extfile', `${name}.ext`, '-extensions', 'x', ...dates);
    const cert = readFileSync(join(dir, `${name}.pem`), 'utf8');
    const x509 = new X509Certificate(cert);
    return {
      cert,
      key: readFileSync(join(dir, `${name}.key`), 'utf8'),
      certPath: join(dir, `${name}.pem`),
      fingerprint256: x509.fingerprint256,
      thumbprint: createHash('sha256').update(x509.raw).digest('base64url'),
    };
  };
  const server = issue('server', { cn: 'localhost', san: 'DNS:localhost,IP:127.0.0.1' });
  return { dir, caPath: join(dir, 'trusted-ca.pem'), caCert: readFileSync(join(dir, 'trusted-ca.pem'), 'utf8'), server: { ...server, keyPath: join(dir, 'server.key') }, issue };
}
