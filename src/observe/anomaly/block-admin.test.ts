import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBlockKey } from './block-key.ts';
import { Blocks } from './blocks.ts';

test('block keys: addresses, networks in canonical form, consumers; anything else is refused', () => {
  assert.deepEqual(parseBlockKey('ip:203.0.113.7'), { key: 'ip:203.0.113.7', kind: 'ip', value: '203.0.113.7' });
  assert.deepEqual(parseBlockKey('ip:2001:db8::1'), { key: 'ip:2001:db8::1', kind: 'ip', value: '2001:db8::1' });
  assert.deepEqual(parseBlockKey('net:203.0.113.77/24'), { key: 'net:203.0.113.0/24', kind: 'network', value: '203.0.113.0/24' });
  assert.deepEqual(parseBlockKey('net:2001:db8:1:2::5/64'), { key: 'net:2001:db8:1:2::/64', kind: 'network', value: '2001:db8:1:2::/64' });
  assert.deepEqual(parseBlockKey('consumer:alice@example.com'), { key: 'consumer:alice@example.com', kind: 'consumer', value: 'alice@example.com' });
  assert.deepEqual(parseBlockKey('subject:jwt https://idp.test alice'), { key: 'subject:jwt https://idp.test alice', kind: 'subject', value: 'jwt https://idp.test alice' });
  for (const bad of ['', 'ip:', 'ip:1.2.3', 'net:1.2.3.4', 'net:1.2.3.4/33', 'net:2001:db8::/129', 'net:::ffff:1.2.3.4/120', 'net:x/8', 'consumer:', 'consumer:a\nb', 'subject:', 'subject:a\u0000b', `subject:${'a'.repeat(201)}`, 'user:alice', `consumer:${'a'.repeat(300)}`]) {
    assert.equal(parseBlockKey(bad), undefined, bad);
  }
});

test('lift: ends a block now, reports its end, and only calls onLift for lifts made here', () => {
  const blocks = new Blocks();
  const now = 1_000_000;
  const lifted: string[] = [];
  blocks.onLift = (key, until) => lifted.push(`${key}@${until}`);
  blocks.add('ip:192.0.2.1', now + 5000, false);
  assert.ok(blocks.checkAddress('192.0.2.1', now));
  assert.equal(blocks.lift('ip:192.0.2.1', now), now + 5000);
  assert.equal(blocks.checkAddress('192.0.2.1', now), undefined);
  assert.equal(blocks.lift('ip:192.0.2.1', now), 0, 'lifted twice');
  assert.deepEqual(lifted, ['ip:192.0.2.1@1005000']);
  // A lift heard from elsewhere removes a block ending no later than the one lifted there, not a longer one.
  blocks.add('consumer:bob', now + 5000, false);
  assert.equal(blocks.lift('consumer:bob', now, now + 4000, false), 0);
  assert.ok(blocks.checkCaller('consumer:bob', now));
  assert.equal(blocks.lift('consumer:bob', now, now + 5000, false), now + 5000);
  assert.equal(blocks.checkCaller('consumer:bob', now), undefined);
  assert.equal(lifted.length, 1);
  // An ended block is not reported as lifted.
  blocks.add('ip:192.0.2.2', now + 10, false);
  assert.equal(blocks.lift('ip:192.0.2.2', now + 20), 0);
});
