// The body sampler: JSON bodies only, at most `samples` per endpoint and slot, none over the size cap,
// parsed later (never in `offer`), and a bounded number of schemas per process.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BodySampler, MAX_SHAPES } from './sampler.ts';
import { newUsage } from './usage.ts';

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

test('samples JSON bodies up to the per-slot quota and size cap, parsing them after the request', async () => {
  const sampler = new BodySampler({ samples: 3, maxBodyBytes: 100, streamedRate: 0 });
  const usage = newUsage(0);
  for (let i = 0; i < 10; i++) sampler.offer(usage, 'request', 'application/json', json({ id: i }));
  sampler.offer(usage, '2xx', 'text/html', Buffer.from('<p>hi</p>'));
  sampler.offer(usage, '4xx', 'application/problem+json', json({ pad: 'x'.repeat(200) }));
  sampler.offer(usage, '5xx', 'application/json', Buffer.from('{not json'));
  assert.deepEqual(usage.bodies, {}, 'nothing parsed in offer');
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal(usage.bodies.request!.n, 3);
  assert.deepEqual(Object.keys(usage.bodies), ['request']);
});

test(`at most ${MAX_SHAPES} schemas per process`, () => {
  const sampler = new BodySampler({ samples: 5, maxBodyBytes: 1000, streamedRate: 0 });
  const usages = Array.from({ length: MAX_SHAPES + 20 }, () => newUsage(0));
  for (const u of usages) {
    sampler.offer(u, 'request', 'application/json', json({ a: 1 }));
    sampler.flush();
  }
  assert.equal(usages.filter((u) => u.bodies.request).length, MAX_SHAPES);
  // Endpoints that have a schema keep sampling.
  sampler.offer(usages[0]!, 'request', 'application/json', json({ a: 2 }));
  sampler.flush();
  assert.equal(usages[0]!.bodies.request!.n, 2);
});
