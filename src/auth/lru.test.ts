import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpiringLru } from './lru.ts';

test('bounded, expiring, and recently used entries survive eviction', () => {
  const now = Date.now();
  const later = now + 60_000;
  const lru = new ExpiringLru<number>(3);
  lru.set('a', 1, later);
  lru.set('b', 2, later);
  lru.set('c', 3, later);
  assert.equal(lru.get('a', now), 1); // a is used: b (unused, oldest) goes first
  lru.set('d', 4, later);
  assert.equal(lru.size, 3);
  assert.equal(lru.get('b', now), undefined);
  assert.equal(lru.get('a', now), 1);
  assert.equal(lru.get('a', later), undefined, 'never returned at or after its expiry');
  assert.equal(lru.size, 2);
  for (let i = 0; i < 100; i++) lru.set(`k${i}`, i, later);
  assert.equal(lru.size, 3);
});

test('setIfRoom never evicts a live entry: full of them, it refuses; expired ones make room', () => {
  const now = Date.now();
  const lru = new ExpiringLru<true>(2);
  assert.equal(lru.setIfRoom('a', true, now + 1000, now), true);
  assert.equal(lru.setIfRoom('b', true, now + 2000, now), true);
  assert.equal(lru.setIfRoom('c', true, now + 3000, now), false);
  assert.equal(lru.get('a', now), true, 'the oldest live entry is kept');
  assert.equal(lru.setIfRoom('a', true, now + 5000, now), true, 'an existing key is updated in place');
  assert.equal(lru.setIfRoom('c', true, now + 3000, now + 1500), false, 'a was renewed: still full');
  assert.equal(lru.setIfRoom('c', true, now + 6000, now + 2500), true, 'b expired: its room is taken');
  assert.equal(lru.get('b', now + 2500), undefined);
  assert.equal(lru.get('c', now + 2500), true);
});
