import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { test } from 'node:test';
import { fingerprintOf, issuerFingerprints } from './mtls-chain.ts';
import { listenerTrust, trustOf } from './mtls-trust.ts';

// Two roots; an intermediate under the first; a leaf under the intermediate.
const dir = mkdtempSync(join(tmpdir(), 'pcl-mtls-trust-'));
const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
writeFileSync(join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
writeFileSync(join(dir, 'leaf.ext'), 'basicConstraints=CA:FALSE\n');
for (const name of ['root', 'other']) run('req', '-x509', ...key, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`);
const sign = (name: string, ca: string, ext: string) => {
  run('req', ...key, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
  run('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-set_serial', String(Date.now()), '-days', '2', '-extfile', ext, '-out', `${name}.pem`);
};
sign('int', 'root', 'ca.ext');
sign('leaf', 'int', 'leaf.ext');
const pem = (name: string) => readFileSync(join(dir, `${name}.pem`));
const x509 = (name: string) => new X509Certificate(pem(name));

test('a root and the intermediates it signed are one authority; two roots are two', () => {
  assert.equal(trustOf([pem('root')])?.authorities, 1);
  assert.equal(trustOf([Buffer.concat([pem('root'), pem('int')])])?.authorities, 1);
  assert.equal(trustOf([pem('int')])?.authorities, 1);
  assert.equal(trustOf([pem('root'), pem('root')])?.authorities, 1, 'the same CA twice');
  assert.equal(trustOf([pem('root'), pem('other')])?.authorities, 2);
  assert.equal(trustOf(pem('root').toString() + pem('other').toString())?.authorities, 2, 'one bundle');
});

test('an unreadable trust store is unknown', () => {
  assert.equal(trustOf(undefined), undefined);
  assert.equal(listenerTrust({} as TLSSocket), undefined, 'a connection the listener did not record');
  assert.equal(trustOf([Buffer.from('not a pem')]), undefined);
  assert.equal(trustOf([pem('root'), 42]), undefined);
});

test('issuers are found by signature, from the pool only, each link a valid CA', () => {
  const [root, other, int, leaf] = ['root', 'other', 'int', 'leaf'].map(x509) as [X509Certificate, X509Certificate, X509Certificate, X509Certificate];
  assert.deepEqual(issuerFingerprints(leaf, [other, root, int]), new Set([fingerprintOf(int), fingerprintOf(root)]));
  assert.deepEqual(issuerFingerprints(leaf, [root, other]), new Set(), 'the root alone cannot be reached without the intermediate');
  assert.deepEqual(issuerFingerprints(int, [root, leaf]), new Set([fingerprintOf(root)]), 'a leaf never issues');
  assert.deepEqual(issuerFingerprints(leaf, [int, root], Date.now() + 3 * 86400_000), new Set(), 'expired CAs do not count');
});
