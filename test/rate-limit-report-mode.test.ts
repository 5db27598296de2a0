// The RateLimit fields name the limits that apply to the client: a report-mode policy's limits are
// not among them, also when an enforced policy writes the fields of the same response.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { suiteGateway } from './helpers/gateway.ts';

// In-process counters are shared by the gateways of this process: one API name per suite.
function apis(mode: 'enforce' | 'report'): string {
  return `  - name: api-${mode}
    upstream: backend
    routes: [{ path: /*, operationId: all }]
    policies:
      pre-auth-rate-limit:
        limits: [{ name: per-ip, rate: 1000, per: 1m, key: [ip] }]
      rate-limit:
        mode: ${mode}
        limits: [{ name: trial, algorithm: fixed-window, limit: 2, window: 1h, key: [ip] }]
`;
}

async function get(url: string): Promise<{ status: number; policy: string | null; current: string | null }> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return { status: res.status, policy: res.headers.get('ratelimit-policy'), current: res.headers.get('ratelimit') };
}

describe('a report-mode limit beside an enforced one', () => {
  const suite = suiteGateway(apis('report'));

  test('over the report-mode limit: the request goes through, and only the enforced limit is in the fields', async () => {
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await get(`${suite.gw.url}/x`));
    assert.deepEqual(replies.map((r) => r.status), [200, 200, 200, 200]);
    for (const r of replies) {
      assert.equal(r.policy, '"per-ip";q=1000;w=60');
      assert.match(r.current!, /^"per-ip";r=\d+;t=\d+$/);
    }
  });
});

describe('two enforced limits', () => {
  const suite = suiteGateway(apis('enforce'));

  test('both are in the fields, before authentication first, also on the 429', async () => {
    const replies = [];
    for (let i = 0; i < 3; i++) replies.push(await get(`${suite.gw.url}/x`));
    assert.deepEqual(replies.map((r) => r.status), [200, 200, 429]);
    for (const r of replies) assert.equal(r.policy, '"per-ip";q=1000;w=60, "trial";q=2;w=3600');
    assert.match(replies[0]!.current!, /^"per-ip";r=999;t=\d+, "trial";r=1;t=\d+$/);
    assert.match(replies[2]!.current!, /^"per-ip";r=997;t=\d+, "trial";r=0;t=\d+$/);
  });
});
