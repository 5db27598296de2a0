// A consumer flooding the replay store with its own signed requests must not make another consumer's
// captured request acceptable again: the store refuses (503) rather than forget a live signature.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import type { RequestContext } from '../core/context.ts';
import { AuthFailure, AuthUnavailable } from './failure.ts';
import { SignatureVerifier } from './signature.ts';
import { MemoryCounters } from '../store/counters/memory.ts';

const identity = (c: string) => ({ consumerId: c, subject: c, scopes: [], roles: [], claims: {}, method: 'signature' as const });
const secrets = { victim: Buffer.from('v'.repeat(32)), attacker: Buffer.from('a'.repeat(32)) };
const keys = new Map(
  (['victim', 'attacker'] as const).map((k) => [k, { keyid: k, alg: 'hmac-sha256' as const, material: secrets[k], identity: identity(k) }]),
);

function signed(keyid: 'victim' | 'attacker', nonce: string, path: string): RequestContext {
  const created = Math.floor(Date.now() / 1000);
  const params = `("@method" "@target-uri");created=${created};keyid="${keyid}";nonce="${nonce}"`;
  const base = `"@method": POST\n"@target-uri": http://gw.example${path}\n"@signature-params": ${params}`;
  const signature = createHmac('sha256', secrets[keyid]).update(base).digest('base64');
  const headers = { host: 'gw.example', 'signature-input': `sig1=${params}`, signature: `sig1=:${signature}:` };
  return { req: { method: 'POST', url: path, headers, rawHeaders: Object.entries(headers).flat(), socket: {} }, query: '' } as unknown as RequestContext;
}

const outcome = (v: SignatureVerifier, ctx: RequestContext): string => {
  try {
    return (v.verify(ctx) as { consumerId: string }).consumerId;
  } catch (error) {
    if (error instanceof AuthFailure) return error.reason;
    if (error instanceof AuthUnavailable) return 'unavailable';
    throw error;
  }
};

test('signatures: a flooded replay store refuses new requests instead of forgetting a captured one', () => {
  const v = new SignatureVerifier({ keys, components: ['@method', '@target-uri'], label: undefined, maxAgeMs: 300_000, skewMs: 30_000, nonceRequired: true, replayEntries: 1000 });
  const captured = signed('victim', 'n-victim-1', '/transfer?to=mallory');
  assert.equal(outcome(v, captured), 'victim');
  assert.equal(outcome(v, captured), 'replayed');
  const flood = Array.from({ length: 600 }, (_, i) => outcome(v, signed('attacker', `flood-${i}`, '/ping')));
  assert.ok(flood.includes('unavailable'), 'the store filled up and refused');
  assert.equal(outcome(v, captured), 'replayed', 'the captured request is still known');
});

test('signatures: a reload (a new verifier with the same settings) still knows what the old one saw', () => {
  const options = { keys, components: ['@method', '@target-uri'], label: undefined, maxAgeMs: 300_000, skewMs: 30_000, nonceRequired: true, replayEntries: 999 };
  const captured = signed('victim', 'n-reload-1', '/transfer?to=mallory');
  assert.equal(outcome(new SignatureVerifier({ ...options, replayScope: 'apis[0].policies.auth-signature' }), captured), 'victim');
  assert.equal(outcome(new SignatureVerifier({ ...options, replayScope: 'apis[0].policies.auth-signature' }), captured), 'replayed');
  // Another policy has its own store: it neither shares nor fills this one.
  assert.equal(outcome(new SignatureVerifier({ ...options, replayScope: 'apis[1].policies.auth-signature' }), signed('victim', 'n-reload-1', '/other')), 'victim');
});

test('signatures: in the shared replay store each policy has its own table, which another policy\'s flood cannot fill', async () => {
  const replayStore = new MemoryCounters({ maxKeys: 50, sweepEveryMs: 0 });
  const options = { keys, components: ['@method', '@target-uri'], label: undefined, maxAgeMs: 300_000, skewMs: 30_000, nonceRequired: true, replayEntries: 1000, replayStore };
  const flooded = new SignatureVerifier({ ...options, replayScope: 'apis[0].policies.auth-signature' });
  const other = new SignatureVerifier({ ...options, replayScope: 'apis[1].policies.auth-signature' });
  const results = [];
  for (let i = 0; i < 60; i++) results.push(await verifyAsync(flooded, signed('attacker', `flood-shared-${i}`, '/ping')));
  // Fresh nonces refused: the table is full (it never forgets a live nonce).
  assert.deepEqual([...new Set(results.slice(50))], ['replayed']);
  assert.equal(await verifyAsync(other, signed('victim', 'n-other-1', '/transfer')), 'victim');
});

async function verifyAsync(v: SignatureVerifier, ctx: RequestContext): Promise<string> {
  try {
    return ((await v.verify(ctx)) as { consumerId: string }).consumerId;
  } catch (error) {
    if (error instanceof AuthFailure) return error.reason;
    if (error instanceof AuthUnavailable) return 'unavailable';
    throw error;
  }
}
