import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Blocks, MAX_BLOCKS } from './blocks.ts';
import { HyperLogLog } from './hll.ts';
import { subnetOf } from './subnet.ts';

test('subnetOf groups IPv4 by /24, IPv6 by /64, and reads IPv4-mapped addresses as IPv4', () => {
  assert.equal(subnetOf('203.0.113.77', 24, 64), '203.0.113.0/24');
  assert.equal(subnetOf('203.0.113.77', 32, 64), '203.0.113.77/32');
  assert.equal(subnetOf('10.200.3.4', 12, 64), '10.192.0.0/12');
  assert.equal(subnetOf('::ffff:198.51.100.9', 24, 64), '198.51.100.0/24');
  assert.equal(subnetOf('2001:db8:1:2:3:4:5:6', 24, 64), '2001:db8:1:2::/64');
  assert.equal(subnetOf('2001:DB8::1', 24, 48), '2001:db8::/48');
  assert.equal(subnetOf('2001:db8:abcd:12ff::1', 24, 56), '2001:db8:abcd:1200::/56');
  assert.equal(subnetOf('::1', 24, 128), '::1/128');
  assert.equal(subnetOf('fe80::1:2:3:4', 24, 128), 'fe80::1:2:3:4/128');
  assert.equal(subnetOf('not-an-ip', 24, 64), 'not-an-ip');
});

test('blocks: addresses, networks and consumers, until their end', () => {
  const blocks = new Blocks();
  const now = 1_000_000;
  assert.equal(blocks.active(now), false);
  blocks.add('net:203.0.113.0/24', now + 1000);
  blocks.add('consumer:mallory', now + 5000);
  blocks.add('net:2001:db8:1:2::/64', now + 1000);
  assert.equal(blocks.active(now), true);
  const refusal = blocks.checkAddress('203.0.113.200', now);
  assert.equal(refusal?.code, 'PCL_ERR_CALLER_BLOCKED');
  assert.equal(refusal?.status, 429);
  assert.equal(refusal?.headers?.['retry-after'], '1');
  assert.equal(blocks.checkAddress('::ffff:203.0.113.9', now)?.code, 'PCL_ERR_CALLER_BLOCKED');
  assert.equal(blocks.checkAddress('2001:db8:1:2:ffff::9', now)?.code, 'PCL_ERR_CALLER_BLOCKED');
  assert.equal(blocks.checkAddress('203.0.114.1', now), undefined);
  assert.equal(blocks.checkAddress('2001:db8:1:3::9', now), undefined);
  assert.equal(blocks.checkCaller('consumer:mallory', now)?.headers?.['retry-after'], '5');
  assert.equal(blocks.checkCaller('consumer:alice', now), undefined);
  assert.equal(blocks.checkAddress('203.0.113.200', now + 1000), undefined, 'the network block ended');
  assert.equal(blocks.active(now + 4999), true);
  assert.equal(blocks.active(now + 5000), false, 'every block ended: nothing to look up');
  assert.equal(blocks.checkCaller('consumer:mallory', now + 5000), undefined);
});

test('blocks: a shorter block never shortens a longer one; new blocks are shared, received ones are not', () => {
  const blocks = new Blocks();
  const shared: string[] = [];
  blocks.onAdd = (key) => shared.push(key);
  blocks.add('ip:192.0.2.1', 5000);
  blocks.add('ip:192.0.2.1', 3000);
  assert.equal(blocks.remaining('ip:192.0.2.1', 1000), 4000);
  blocks.add('ip:192.0.2.2', 5000, false);
  assert.deepEqual(shared, ['ip:192.0.2.1']);
});

test('blocks: a lifted block heard again (a catch-up that read Redis before the lift reached it) stays lifted; a longer or a new one applies', () => {
  const blocks = new Blocks();
  const now = Date.now();
  const until = now + 60_000;
  blocks.add('ip:192.0.2.9', until, false); // from the cluster or Redis
  assert.equal(blocks.lift('ip:192.0.2.9', now, Number.POSITIVE_INFINITY, false), until); // the primary's relay of an admin lift
  blocks.add('ip:192.0.2.9', until, false); // the stale copy a catch-up reads
  assert.equal(blocks.remaining('ip:192.0.2.9', now), 0, 'the lifted block did not come back');
  blocks.add('ip:192.0.2.9', until + 1000, false);
  assert.ok(blocks.remaining('ip:192.0.2.9', now) > 0, 'a longer block, set elsewhere since, applies');
  blocks.lift('ip:192.0.2.9', now);
  blocks.add('ip:192.0.2.9', now + 5000); // detected here again: a new block
  assert.ok(blocks.remaining('ip:192.0.2.9', now) > 0);
  blocks.lift('ip:192.0.2.9', now);
  blocks.forgetLift('ip:192.0.2.9'); // an administrator's manual block
  blocks.add('ip:192.0.2.9', now + 5000, false);
  assert.ok(blocks.remaining('ip:192.0.2.9', now) > 0);
});

test('blocks: bounded; when full, ended blocks go first, then the one ending soonest, never a longer one for a shorter', () => {
  const now = Date.now();
  const blocks = new Blocks();
  blocks.add('ip:192.0.2.9', now + 86_400_000); // an administrator's day-long block, the oldest entry
  blocks.add('ip:192.0.2.8', now - 1); // ended
  for (let i = 2; i < MAX_BLOCKS; i++) blocks.add(`consumer:c${i}`, now + 600_000 + i);
  const count = () => [...blocks.entries(0)].length;
  assert.equal(count(), MAX_BLOCKS);
  blocks.add('consumer:new1', now + 700_000_000); // the ended block makes room
  assert.equal(count(), MAX_BLOCKS);
  assert.equal(blocks.remaining('ip:192.0.2.8', 0), 0);
  blocks.add('consumer:new2', now + 700_000_000); // then the one ending soonest goes
  assert.equal(count(), MAX_BLOCKS);
  assert.equal(blocks.remaining('consumer:c2', now), 0);
  assert.ok(blocks.remaining('ip:192.0.2.9', now) > 86_000_000, 'a flood of shorter blocks pushed out the long one');
  blocks.add('consumer:short', now + 1000); // ends sooner than every block there: not taken
  assert.equal(count(), MAX_BLOCKS);
  assert.equal(blocks.remaining('consumer:short', now), 0);
  assert.ok(blocks.remaining('consumer:new2', now) > 0);
});

test('the HyperLogLog counts distinct values, not repetitions', () => {
  const hll = new HyperLogLog();
  for (let i = 0; i < 1000; i++) hll.add('same');
  assert.equal(Math.round(hll.estimate()), 1);
  for (let i = 0; i < 30; i++) hll.add(`credential-${i}`);
  const estimate = hll.estimate();
  assert.ok(estimate > 24 && estimate < 38, String(estimate));
});
