// IPv6 clients are counted and blocked by their /64 (one customer may use any of its 2^64
// addresses), and client addresses and block keys have one spelling, so a block cannot miss a
// client because of how its address was written. Authenticated callers are their consumer id, else
// their subject qualified by method and issuer: two kinds of keys that never meet.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { qualifiedSubject } from '../../auth/identity.ts';
import type { Identity } from '../../core/context.ts';
import { clientAddress } from '../../server/client-address.ts';
import { AddressList } from '../../policies/ip-filter/cidr.ts';
import { callerBlockKey, parseBlockKey } from './block-key.ts';
import { Blocks } from './blocks.ts';
import { fromWire, toWire } from './cluster-detection.ts';
import { callerOf, type Observation } from './finding.ts';
import { Scanning } from './scanning.ts';
import { canonicalIp, clientBlockKey, clientKey } from './subnet.ts';

test('canonicalIp: IPv4-mapped as IPv4, IPv6 lower-case and compressed (RFC 5952), anything else unchanged', () => {
  assert.equal(canonicalIp('203.0.113.7'), '203.0.113.7');
  assert.equal(canonicalIp('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(canonicalIp('::FFFF:203.0.113.7'), '203.0.113.7');
  assert.equal(canonicalIp('::ffff:cb00:7107'), '203.0.113.7');
  assert.equal(canonicalIp('2001:DB8:0:0::1'), '2001:db8::1');
  assert.equal(canonicalIp('2001:0db8:0000:0000:0001:0000:0000:0001'), '2001:db8::1:0:0:1');
  assert.equal(canonicalIp('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
  assert.equal(canonicalIp('::'), '::');
  assert.equal(canonicalIp('::1'), '::1');
  assert.equal(canonicalIp('FE80::0:1%eth0'), 'fe80::1%eth0');
  for (const odd of ['', 'unknown', '01.2.3.4', '2001:db8::g', '1.2.3.4:80']) assert.equal(canonicalIp(odd), odd);
});

test('clientKey: IPv4 exact, IPv6 its /64 network; clientBlockKey: ip: for IPv4, net: for IPv6', () => {
  assert.equal(clientKey('203.0.113.7'), '203.0.113.7');
  assert.equal(clientKey('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(clientKey('2001:db8:1:2::1'), '2001:db8:1:2::/64');
  assert.equal(clientKey('2001:DB8:1:2:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  assert.equal(clientKey('2001:db8:1:3::1'), '2001:db8:1:3::/64');
  assert.equal(clientKey('not:an:ip/x'), 'not:an:ip/x');
  assert.equal(clientBlockKey('203.0.113.7'), 'ip:203.0.113.7');
  assert.equal(clientBlockKey('::ffff:203.0.113.7'), 'ip:203.0.113.7');
  assert.equal(clientBlockKey('2001:db8:1:2::1'), 'net:2001:db8:1:2::/64');
  assert.equal(clientBlockKey('not:an:ip/x'), 'ip:not:an:ip/x');
  // The key a detector writes is the one an administrator's net: key is read as.
  assert.equal(parseBlockKey(clientBlockKey('2001:db8:1:2::1'))?.key, 'net:2001:db8:1:2::/64');
});

test('parseBlockKey puts ip: and net: keys in canonical form and refuses what is no address', () => {
  assert.deepEqual(parseBlockKey('ip:2001:DB8:0:0::1'), { key: 'ip:2001:db8::1', kind: 'ip', value: '2001:db8::1' });
  assert.deepEqual(parseBlockKey('ip:::ffff:203.0.113.7'), { key: 'ip:203.0.113.7', kind: 'ip', value: '203.0.113.7' });
  assert.equal(parseBlockKey('ip:203.0.113.7')?.key, 'ip:203.0.113.7');
  assert.equal(parseBlockKey('net:2001:DB8:1:2:0:0:0:9/64')?.key, 'net:2001:db8:1:2::/64');
  for (const bad of ['ip:', 'ip:01.2.3.4', 'ip:2001:db8::g', 'ip:1.2.3.4/32', 'net:2001:db8::/129', 'net:::ffff:1.2.3.4/120']) assert.equal(parseBlockKey(bad), undefined, bad);
  const blocks = new Blocks();
  const now = Date.now();
  blocks.add(parseBlockKey('ip:2001:DB8:0:0::1')!.key, now + 60_000);
  assert.equal(blocks.checkAddress('2001:db8::1', now)?.code, 'PCL_ERR_CALLER_BLOCKED');
});

test('clientAddress unmaps an IPv4-mapped peer (dual-stack listener) and puts forwarded addresses in canonical form', () => {
  const none = new AddressList([]);
  assert.equal(clientAddress('::ffff:203.0.113.7', undefined, none), '203.0.113.7');
  assert.equal(clientAddress('2001:db8::1', undefined, none), '2001:db8::1');
  const proxies = new AddressList(['127.0.0.1', '::1']);
  assert.equal(clientAddress('::ffff:127.0.0.1', '198.51.100.4', proxies), '198.51.100.4');
  assert.equal(clientAddress('::1', '2001:DB8:0::5', proxies), '2001:db8::5');
  assert.equal(clientAddress('::1', '::ffff:198.51.100.4', proxies), '198.51.100.4');
  assert.equal(clientAddress('::ffff:127.0.0.1', undefined, proxies), '127.0.0.1');
  // Direct and through a trusted proxy: one client, one address (so one rate-limit key, one block).
  const blocks = new Blocks();
  blocks.add(parseBlockKey('ip:203.0.113.7')!.key, Date.now() + 60_000);
  assert.equal(blocks.checkAddress(clientAddress('::ffff:203.0.113.7', undefined, none), Date.now())?.code, 'PCL_ERR_CALLER_BLOCKED');
});

const seen = (ip: string, extra: Partial<Observation> = {}): Observation => ({
  time: Date.now(), requestId: 'r', method: 'GET', path: '/x', status: 404, ip, consumer: null, subject: null, qualifiedSubject: null, api: null, operation: null, ids: '', failedCredential: null, ...extra,
});

test('scanning counts an IPv6 client by its /64 and blocks the whole network', () => {
  const scanning = new Scanning({ notFound: 3, window: '1m', mode: 'enforce', blockFor: '1h' } as ConstructorParameters<typeof Scanning>[0]);
  assert.equal(scanning.observe(seen('2001:db8:1:2::1')), undefined);
  assert.equal(scanning.observe(seen('2001:db8:1:2::2')), undefined);
  assert.equal(scanning.observe(seen('2001:db8:1:3::1')), undefined, 'another /64 counts on its own');
  const finding = scanning.observe(seen('2001:db8:1:2:aaaa::3'));
  assert.equal(finding?.blockKey, 'net:2001:db8:1:2::/64');
  assert.equal(finding?.details.caller, '2001:db8:1:2::/64');
  assert.equal(finding?.details.ip, '2001:db8:1:2:aaaa::3');
  const blocks = new Blocks();
  const now = Date.now();
  blocks.add(finding!.blockKey, now + 60_000);
  assert.equal(blocks.checkAddress('2001:db8:1:2:ffff::9', now)?.code, 'PCL_ERR_CALLER_BLOCKED', 'every address of the /64');
  assert.equal(blocks.checkAddress('2001:db8:1:3::1', now), undefined, 'not the next /64');
  // IPv4 clients stay exact.
  for (let i = 0; i < 2; i++) scanning.observe(seen('203.0.113.7'));
  assert.equal(scanning.observe(seen('203.0.113.7'))?.blockKey, 'ip:203.0.113.7');
});

test('callerOf: an anonymous IPv6 caller is its /64 (blocked as a network); IPv4 and consumers as before', () => {
  assert.deepEqual(callerOf(seen('2001:db8:1:2::1'), 'consumer'), { caller: '2001:db8:1:2::/64', blockKey: 'net:2001:db8:1:2::/64' });
  assert.deepEqual(callerOf(seen('2001:db8:1:2::1'), 'ip'), { caller: '2001:db8:1:2::/64', blockKey: 'net:2001:db8:1:2::/64' });
  assert.deepEqual(callerOf(seen('203.0.113.7'), 'ip'), { caller: '203.0.113.7', blockKey: 'ip:203.0.113.7' });
  assert.deepEqual(callerOf(seen('2001:db8:1:2::1', { consumer: 'alice' }), 'consumer'), { caller: 'alice', blockKey: 'consumer:alice' });
});

test('callerOf: a caller without a consumer id is its qualified subject, never a consumer of that name', () => {
  const q = 'jwt https://idp.test alice';
  assert.deepEqual(callerOf(seen('203.0.113.7', { subject: 'alice', qualifiedSubject: q }), 'consumer'), { caller: q, blockKey: `subject:${q}` });
  assert.deepEqual(callerOf(seen('203.0.113.7', { consumer: 'alice', subject: 'alice' }), 'consumer'), { caller: 'alice', blockKey: 'consumer:alice' });
  assert.deepEqual(callerOf(seen('203.0.113.7', { subject: 'alice', qualifiedSubject: q }), 'ip'), { caller: '203.0.113.7', blockKey: 'ip:203.0.113.7' });
  // A consumer id that reads like an address is still a consumer (detectors count by block key).
  assert.equal(callerOf(seen('203.0.113.7', { consumer: '203.0.113.7' }), 'consumer').blockKey, 'consumer:203.0.113.7');
  assert.match(callerOf(seen('203.0.113.7', { consumer: 'x'.repeat(300) }), 'consumer').blockKey, /^consumer:#[A-Za-z0-9_-]{43}$/);
});

test('the block check finds a subject block by the identity, and leaves the consumer of that name alone', () => {
  const blocks = new Blocks();
  const now = Date.now();
  const token: Identity = { subject: 'alice', scopes: [], roles: [], claims: { iss: 'https://idp.test' }, method: 'jwt' };
  blocks.add(callerBlockKey(undefined, qualifiedSubject(token))!, now + 60_000);
  assert.equal(parseBlockKey(callerBlockKey(undefined, qualifiedSubject(token))!)?.kind, 'subject');
  assert.equal(blocks.checkCaller('subject:jwt https://idp.test alice', now)?.code, 'PCL_ERR_CALLER_BLOCKED');
  assert.equal(blocks.checkCaller(callerBlockKey('alice', 'apiKey - alice')!, now), undefined);
  assert.equal(blocks.checkCaller(callerBlockKey(undefined, qualifiedSubject({ ...token, claims: { iss: 'https://other.test' } }))!, now), undefined);
  // A long subject is hashed, so its key always parses (at most 256 characters).
  const long = callerBlockKey(undefined, qualifiedSubject({ ...token, subject: 's'.repeat(5000) }))!;
  assert.ok(long.length < 256 && parseBlockKey(long)?.kind === 'subject', long);
});

test('an observation crosses the cluster wire whole, its qualified subject too', () => {
  const o = seen('203.0.113.7', { subject: 'alice', qualifiedSubject: 'jwt https://idp.test alice', ids: '7\0' });
  assert.deepEqual(fromWire(JSON.parse(JSON.stringify(toWire(o)))), o);
  assert.equal(fromWire([...toWire(o)].slice(0, 12)), undefined, 'an array of the old shape is refused');
});
