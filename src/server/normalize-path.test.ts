import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayError } from '../core/errors.ts';
import { normalizePath } from './normalize-path.ts';

const refused = (path: string, merge = true) =>
  assert.throws(() => normalizePath(path, merge), (e: unknown) => e instanceof GatewayError && e.code === 'PCL_ERR_BAD_PATH', path);

test('canonical paths come back unchanged', () => {
  for (const p of ['/', '/users', '/users/42/orders', '/a-b_c~d.e', '/.well-known/jwks.json', '/users/'])
    assert.equal(normalizePath(p, true), p);
});

test('percent-escapes of unreserved characters are decoded, others upper-cased', () => {
  assert.equal(normalizePath('/%75sers/%7e', true), '/users/~');
  assert.equal(normalizePath('/caf%c3%a9', true), '/caf%C3%A9');
  assert.equal(normalizePath('/a%20b', true), '/a%20b');
});

test('duplicate slashes are merged, or refused when merging is off', () => {
  assert.equal(normalizePath('//users///42', true), '/users/42');
  refused('//users', false);
  refused('/users//42', false);
});

test('ambiguous forms are refused', () => {
  for (const p of [
    '/a/../b', '/a/./b', '/..', '/.', '/a/%2e%2e/b', '/a/%2E/b', '/a/.%2e/b',
    '/a%2fb', '/a%2Fb', '/a%5cb', '/a\\b', '/a%00b', '/a%0d%0ab', '/a%zz', '/a%', '/a%4',
    '/a%c0%af', '/a%ff', '/a%c3', '/caf\u00e9', '/a b', 'users',
  ])
    refused(p);
});

test('escapes split by ASCII are not taken as one UTF-8 sequence', () => {
  refused('/%c3a%a9');
});

test('dot-segments with ";" path parameters are refused (Tomcat and Jetty drop the parameter, then resolve)', () => {
  for (const p of ['/static/..;/admin/users', '/static/.;/x', '/a/..;x=1/b', '/a/%2e%2e;/b', '/a/..%3b/b', '/a/..%3B/b', '/a/.%3bjsessionid=1/b']) refused(p);
  // With path parameters allowed, ";" elsewhere stays: on ordinary segments they are the upstream's business.
  assert.equal(normalizePath('/a;v=1/b', true, true), '/a;v=1/b');
  assert.equal(normalizePath('/a/...;x/b', true, true), '/a/...;x/b');
  for (const p of ['/static/..;/admin/users', '/a/..%3b/b']) assert.throws(() => normalizePath(p, true, true));
});

test('";" path parameters are refused unless allowed: Tomcat and Spring drop them before routing, others keep them', () => {
  for (const p of ['/a;v=1/b', '/admin/users;x', '/users/me;jsessionid=1', '/a;']) refused(p);
  // An encoded ";" is no delimiter for any of them: it stays, encoded.
  assert.equal(normalizePath('/a%3Bv=1', true), '/a%3Bv=1');
});

test('a raw "#" is refused anywhere in the path: servers that read it as a fragment would route without what follows', () => {
  for (const p of ['/admin/users#', '/a#b', '/#', '/a%20#b']) refused(p);
  assert.equal(normalizePath('/a%23b', true), '/a%23b');
});
