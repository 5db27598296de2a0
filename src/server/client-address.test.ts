import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AddressList } from '../policies/ip-filter/cidr.ts';
import { clientAddress } from './client-address.ts';

test('X-Forwarded-For from a trusted proxy: entries with a port are the address, entries that are no address stop the walk', () => {
  const trusted = new AddressList(['10.0.0.1', '10.0.0.2']);
  const from = (xff: string) => clientAddress('10.0.0.1', xff, trusted);
  assert.equal(from('203.0.113.7'), '203.0.113.7');
  assert.equal(from('203.0.113.7:51234'), '203.0.113.7', 'the port made every connection another client');
  assert.equal(from('[2001:db8::1]:443'), '2001:db8::1');
  assert.equal(from('[::ffff:203.0.113.7]'), '203.0.113.7');
  assert.equal(from('198.51.100.9, 203.0.113.7:80, 10.0.0.2'), '203.0.113.7');
  // No address where the client should be: the last trusted hop is what is known, never the text.
  for (const garbage of ['unknown', '_hidden', 'evil.example', '203.0.113.7:x', '[203.0.113.7]:80', '', ' , ']) {
    assert.equal(from(garbage), '10.0.0.1', garbage);
  }
  assert.equal(from('unknown, 10.0.0.2'), '10.0.0.2', 'the last trusted proxy reached');
  // An untrusted peer's header is never read.
  assert.equal(clientAddress('192.0.2.1', '203.0.113.7', trusted), '192.0.2.1');
});
