// The demo's traffic generator against a recording server: bounded, loopback only, a mix of ordinary
// calls, the scraper and attacks, wrong keys rare enough never to lock the loopback address out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startUpstream } from '../../test/helpers/upstream.ts';
import { startTraffic } from './traffic.ts';

const users = [
  { username: 'alice', apiKey: 'key-a' },
  { username: 'bob', apiKey: 'key-b' },
  { username: 'carol', apiKey: 'key-c' },
];

test('sends a bounded mix of ordinary calls, a scraper and attacks, then stops', async () => {
  const upstream = await startUpstream();
  try {
    const traffic = startTraffic({ baseUrl: `${upstream.url}/api/v2`, users, rate: 20, limit: 60 });
    const deadline = Date.now() + 20_000;
    while (upstream.received.length < 60 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(traffic.sent, 60);
    assert.equal(upstream.received.length, 60, 'stops at the limit');
    const urls = upstream.received.map((r) => r.url);
    assert.ok(urls.every((u) => u.startsWith('/api/v2/')));
    assert.ok(urls.some((u) => u === '/api/v2/me') && upstream.received.some((r) => r.headers['x-api-key'] === 'key-a'), 'ordinary calls as alice');
    const scraped = new Set(upstream.received.filter((r) => r.headers['x-api-key'] === 'key-b' && /^\/api\/v2\/users\/\d+\/notes$/.test(r.url)).map((r) => r.url));
    assert.ok(scraped.size >= 10, 'the scraper walks user ids');
    assert.ok(urls.some((u) => u.includes('OR') || u.includes('%27')), 'an injection');
    assert.ok(urls.includes('/api/v2/debug/config'), 'an undocumented endpoint');
    const injected = upstream.received.find((r) => r.method === 'POST');
    assert.match(injected?.body.toString() ?? '', /UNION SELECT/);
    const wrongKeys = upstream.received.filter((r) => String(r.headers['x-api-key'] ?? '').startsWith('pcl_live_notAValid'));
    assert.equal(wrongKeys.length, 1, 'at most one wrong key per 15 s');
    traffic.stop();
  } finally {
    await upstream.close();
  }
});

test('stop() ends it; only loopback targets are accepted', async () => {
  const upstream = await startUpstream();
  try {
    const traffic = startTraffic({ baseUrl: `${upstream.url}/api/v2`, users, rate: 20 });
    await new Promise((r) => setTimeout(r, 300));
    traffic.stop();
    await new Promise((r) => setTimeout(r, 200));
    const count = upstream.received.length;
    assert.ok(count > 0);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(upstream.received.length, count);
  } finally {
    await upstream.close();
  }
  assert.throws(() => startTraffic({ baseUrl: 'http://192.0.2.10/api', users }), /loopback/);
});
