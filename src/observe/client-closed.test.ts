// A client that gave up on its calls (499: a slow upstream) met no error: the error-ratio jump and
// alert rules do not count it, so the caller is neither reported nor blocked for it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Observation } from './anomaly/finding.ts';
import { alertSignal } from './alerts/watcher.ts';
import { RateJump } from './anomaly/rate-jump.ts';

const config = { interval: '10s', smoothing: 0.3, warmup: 3, minRequests: 20, rateFactor: 10, errorFactor: 3, minErrorRatio: 0.2, by: 'consumer' } as ConstructorParameters<typeof RateJump>[0];
const call = (time: number, status: number) =>
  ({ time, requestId: 'r', method: 'GET', path: '/x', status, ip: '10.0.0.1', consumer: 'alice', subject: null, qualifiedSubject: null, api: 'a', operation: 'o', ids: '', failedCredential: null }) as unknown as Observation;

/** Five steady intervals of 30 successful calls, then one where a third of the calls end with `status`. */
function jumpTo(status: number): string | undefined {
  const detector = new RateJump(config);
  for (let interval = 0; interval < 5; interval++) for (let i = 0; i < 30; i++) detector.observe(call(interval * 10_000 + i, 200));
  let found: string | undefined;
  for (let i = 0; i < 30; i++) found ??= detector.observe(call(50_000 + i, i % 3 === 0 ? status : 200))?.reason;
  return found;
}

test('error-ratio jump: calls that fail fire it, calls the client gave up on (499) do not', () => {
  assert.equal(jumpTo(500), 'PCL_ANOMALY_ERROR_JUMP');
  assert.equal(jumpTo(404), 'PCL_ANOMALY_ERROR_JUMP');
  assert.equal(jumpTo(499), undefined);
});

test('alert signals: a client that closed its connection is no gateway error', () => {
  assert.equal(alertSignal('deny', 'PCL_ERR_FORBIDDEN'), 'denied');
  assert.equal(alertSignal('error', 'PCL_ERR_UPSTREAM_UNAVAILABLE'), 'error');
  assert.equal(alertSignal('error', 'PCL_ERR_CLIENT_CLOSED'), undefined);
  assert.equal(alertSignal('allow', undefined), undefined);
});
