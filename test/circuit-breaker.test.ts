// The circuit breaker and upstream concurrency cap through the gateway, with a real upstream that
// fails on demand and an address where nothing listens.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { passthroughYaml, startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { freePort } from './helpers/process.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const BREAKER = '    policies:\n      circuit-breaker: { failures: 3, openFor: 3s, maxConcurrent: 2 }\n';

async function status(url: string): Promise<{ status: number; body: Record<string, unknown>; retryAfter: string | null }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, body: res.headers.get('content-type') === 'application/problem+json' ? (JSON.parse(text) as Record<string, unknown>) : {}, retryAfter: res.headers.get('retry-after') };
}

describe('circuit-breaker', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  let failing = false;

  before(async () => {
    upstream = await startUpstream((req, res) => {
      const answer = () => {
        res.writeHead(failing ? 503 : 200);
        res.end();
      };
      if (req.url === '/slow') setTimeout(answer, 1500);
      else answer();
    });
    gw = await startTestGateway(passthroughYaml(upstream.url, BREAKER));
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  test('failing upstream: open after 3 failures (503 + Retry-After, nothing sent), probe after openFor, closed on success', async () => {
    failing = true;
    for (let i = 0; i < 3; i++) assert.equal((await status(`${gw.url}/a`)).status, 503);
    const sent = upstream.received.length;
    const open = await status(`${gw.url}/a`);
    assert.equal(open.status, 503);
    assert.equal(open.body.code, 'PCL_ERR_UPSTREAM_OVERLOADED');
    assert.equal(open.body.reason, 'circuit-open');
    assert.ok(['2', '3'].includes(open.retryAfter!), `Retry-After ${open.retryAfter}`);
    assert.equal(upstream.received.length, sent, 'an open circuit sends nothing upstream');

    await sleep(3100);
    assert.equal((await status(`${gw.url}/a`)).status, 503, 'the probe fails');
    assert.equal((await status(`${gw.url}/a`)).body.reason, 'circuit-open', 'open again at once');

    await sleep(3100);
    failing = false;
    assert.equal((await status(`${gw.url}/a`)).status, 200, 'the probe succeeds');
    assert.deepEqual(await Promise.all([1, 2, 3].map(async () => (await status(`${gw.url}/a`)).status)), [200, 200, 200]);
  });

  test('at most maxConcurrent calls in flight; the rest get 503 at once', async () => {
    const replies = await Promise.all([1, 2, 3].map(() => status(`${gw.url}/slow`)));
    const refused = replies.filter((r) => r.status === 503);
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.body.reason, 'concurrency');
    assert.equal(replies.filter((r) => r.status === 200).length, 2);
    assert.equal((await status(`${gw.url}/slow`)).status, 200, 'slots come back');
  });

  test('an upstream that refuses connections opens the circuit too', async () => {
    const dead = await startTestGateway(passthroughYaml(`http://127.0.0.1:${await freePort()}`, BREAKER));
    try {
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await status(`${dead.url}/a`)).body.code);
      assert.deepEqual(codes, ['PCL_ERR_UPSTREAM_UNAVAILABLE', 'PCL_ERR_UPSTREAM_UNAVAILABLE', 'PCL_ERR_UPSTREAM_UNAVAILABLE', 'PCL_ERR_UPSTREAM_OVERLOADED']);
    } finally {
      await dead.close();
    }
  });
});
