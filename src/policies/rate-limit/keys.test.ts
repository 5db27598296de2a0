import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import { RequestContext, type Identity } from '../../core/context.ts';
import { bounded } from '../../core/bounded.ts';
import { compileKey, tierOf } from './keys.ts';

function ctx(headers: Record<string, string>, identity?: Partial<Identity>): RequestContext {
  const req = { headers, socket: { bytesRead: 0, bytesWritten: 0 } } as unknown as IncomingMessage;
  const c = new RequestContext(req, {} as ServerResponse, 0);
  c.clientIp = '203.0.113.9';
  c.api = 'shop';
  c.operationId = 'login';
  if (identity) c.identity = { scopes: [], roles: [], claims: {}, method: 'apiKey', ...identity };
  return c;
}

test('parts are combined in order; anonymous consumers are their address', () => {
  const key = compileKey(['consumer', 'operation', 'header:x-tenant']);
  assert.equal(key(ctx({ 'x-tenant': 'acme' }), ''), 'ip:203.0.113.9\u001flogin\u001facme');
  assert.equal(key(ctx({}, { consumerId: 'alice' }), ''), 'c:alice\u001flogin\u001f');
});

test('an IPv6 client is keyed by its /64 network (ip, and anonymous consumer and credential); IPv4 exactly', () => {
  const at = (ip: string, identity?: Partial<Identity>) => {
    const c = ctx({}, identity);
    c.clientIp = ip;
    return c;
  };
  const ip = compileKey(['ip', 'operation']);
  assert.equal(ip(at('2001:db8:1:2::1'), ''), '2001:db8:1:2::/64\u001flogin');
  assert.equal(ip(at('2001:db8:1:2:ffff:0:0:7'), ''), '2001:db8:1:2::/64\u001flogin');
  assert.equal(ip(at('2001:db8:1:3::1'), ''), '2001:db8:1:3::/64\u001flogin');
  assert.equal(ip(at('203.0.113.9'), ''), '203.0.113.9\u001flogin');
  assert.equal(compileKey(['consumer'])(at('2001:db8:1:2::1'), ''), 'ip:2001:db8:1:2::/64');
  assert.equal(compileKey(['credential'])(at('2001:db8:1:2::1'), ''), 'ip:2001:db8:1:2::/64');
  assert.equal(compileKey(['consumer'])(at('2001:db8:1:2::1', { consumerId: 'alice' }), ''), 'c:alice');
});

test('consumer: the consumer id, else the subject qualified by method and issuer, else the address', () => {
  const key = compileKey(['consumer']);
  assert.equal(key(ctx({}, { consumerId: 'alice', subject: 'alice' }), ''), 'c:alice');
  assert.equal(key(ctx({}, { subject: 'alice', method: 'jwt', claims: { iss: 'https://idp.test' } }), ''), 's:jwt https://idp.test alice');
  assert.equal(key(ctx({}, { subject: 'alice', method: 'mtls' }), ''), 's:mtls - alice');
  assert.equal(key(ctx({}, { method: 'jwt' }), ''), 'ip:203.0.113.9');
  assert.match(key(ctx({}, { subject: 'x'.repeat(300), method: 'jwt' }), ''), /^s:#[A-Za-z0-9_-]{43}$/);
});

test('credential: the API key id, else the qualified subject', () => {
  const key = compileKey(['credential']);
  assert.equal(key(ctx({}, { consumerId: 'a', claims: { keyId: 'pcl_live_AbCd' } }), ''), 'k:pcl_live_AbCd');
  assert.equal(key(ctx({}, { subject: 'u1', method: 'jwt', claims: { iss: 'https://idp.test' } }), ''), 's:jwt https://idp.test u1');
  assert.equal(key(ctx({}, { subject: 'u1', method: 'jwt' }), ''), 's:jwt - u1');
});

test('claims by path and tiers', () => {
  const c = ctx({}, { consumerId: 'a', claims: { org: { id: 42 }, plan: 'gold' } });
  assert.equal(compileKey(['claim:org.id'])(c, ''), '42');
  assert.equal(tierOf(c, 'plan'), 'gold');
  assert.equal(tierOf(ctx({}), 'plan'), '');
});

test('headers and claims named like members of every object are missing unless sent', () => {
  for (const name of ['constructor', 'valueOf', '__proto__', 'toString']) {
    assert.equal(compileKey([`header:${name}`])(ctx({}), ''), '', `header:${name}`);
    assert.equal(compileKey([`claim:${name}`])(ctx({}, { consumerId: 'a', claims: {} }), ''), '', `claim:${name}`);
    assert.equal(compileKey([`claim:org.${name}`])(ctx({}, { consumerId: 'a', claims: { org: {} } }), ''), '', `claim:org.${name}`);
    assert.equal(tierOf(ctx({}, { consumerId: 'a', claims: {} }), name), '', `tier claim ${name}`);
  }
  assert.equal(compileKey(['header:constructor'])(ctx({ constructor: 'sent' } as unknown as Record<string, string>), ''), 'sent');
  assert.equal(tierOf(ctx({}, { consumerId: 'a', claims: JSON.parse('{"__proto__":"gold"}') as Record<string, unknown> }), '__proto__'), 'gold');
});

test('client values that are long, hold control characters or look like a hash are hashed', () => {
  assert.equal(bounded('acme'), 'acme');
  for (const odd of ['x'.repeat(201), 'a\u001fb', 'a\nb', '#abc']) {
    const h = bounded(odd);
    assert.match(h, /^#[A-Za-z0-9_-]{43}$/);
    assert.notEqual(h, bounded(`${odd}!`));
  }
});
