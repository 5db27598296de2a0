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
