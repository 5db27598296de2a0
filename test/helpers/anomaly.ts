// What the anomaly tests share: one API behind API-key authentication, whose refused keys feed the
// credential-stuffing detector, and the spray of stolen keys from one network that trips it.
import assert from 'node:assert/strict';
import { hashApiKey } from '../../src/auth/api-key.ts';

/** The `upstreams` and `apis` of a config: /v1/* behind auth-apikey (lockout out of the way), one consumer per key. */
export function keyedApiYaml(upstreamUrl: string, consumers: Readonly<Record<string, string>>): string {
  const entries = Object.entries(consumers).map(([id, key]) => `          - { id: ${id}, keys: [{ sha256: ${hashApiKey(key)} }] }`);
  return `upstreams: { backend: { url: ${upstreamUrl} } }
apis:
  - name: api
    upstream: backend
    routes: [{ path: /v1/*, operationId: v1 }]
    policies:
      auth-apikey:
        format: any
        bruteForce: { maxFailures: 100000 }
        consumers:
${entries.join('\n')}
`;
}

/**
 * Sends a different stolen key from each address of 203.0.113.0/24 until the gateway answers 429;
 * every answer before must be 401. Returns the number of refused keys sent.
 */
export async function sprayUntilBlocked(send: (key: string, ip: string) => Promise<number>, max = 60): Promise<number> {
  let tried = 0;
  for (; tried < max; tried++) {
    const status = await send(`stolen-key-${tried}-0123456789`, `203.0.113.${tried + 1}`);
    if (status === 429) break;
    assert.equal(status, 401);
  }
  assert.ok(tried < max, 'never blocked');
  return tried;
}
