import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Breaker } from './breaker.ts';

const options = { failures: 3, openForMs: 1000, probes: 1, maxConcurrent: 2, probeTimeoutMs: 30_000 };

/** Admits a call and returns how to end it (the phase is read at admission, as the policy does). */
function call(b: Breaker, now: number): { admission: ReturnType<Breaker['admit']>; done: (failed: boolean | undefined, at: number) => void } {
  const admission = b.admit(now);
  const phase = b.phase;
  return { admission, done: (failed, at) => b.done(admission, phase, failed, at) };
}

test('opens after consecutive failures, refuses while open, then one probe decides', () => {
  const b = new Breaker(options);
  for (let i = 0; i < 3; i++) call(b, 0).done(true, 0);
  assert.equal(b.state, 'open');
  assert.equal(b.admit(500), 'open');
  assert.equal(b.retryAfterMs(500), 500);
  const probe = call(b, 1000);
  assert.equal(probe.admission, 'probe');
  assert.equal(b.admit(1000), 'open', 'one probe at a time');
  probe.done(true, 1100);
  assert.equal(b.state, 'open', 'a failed probe opens it again');
  assert.equal(b.admit(1500), 'open');
  call(b, 2100).done(false, 2150);
  assert.equal(b.state, 'closed');
  assert.equal(b.admit(2200), 'pass');
});

test('a success in between resets the count; a probe that ends without an outcome frees its slot', () => {
  const b = new Breaker(options);
  call(b, 0).done(true, 0);
  call(b, 0).done(true, 0);
  call(b, 0).done(false, 0);
  call(b, 0).done(true, 0);
  assert.equal(b.state, 'closed');
  for (let i = 0; i < 2; i++) call(b, 0).done(true, 0);
  call(b, 1000).done(undefined, 1000);
  assert.equal(b.admit(1000), 'probe');
});

test('calls in flight are capped', () => {
  const b = new Breaker(options);
  const first = call(b, 0);
  b.admit(0);
  assert.equal(b.admit(0), 'busy');
  first.done(false, 0);
  assert.equal(b.admit(0), 'pass');
});

test('outcomes of calls admitted before the circuit opened are ignored (they do not push openFor forward)', () => {
  const b = new Breaker({ failures: 5, openForMs: 10_000, probes: 1, maxConcurrent: Infinity, probeTimeoutMs: 30_000 });
  // 50 calls to a hung upstream time out one per 200 ms: the fifth opens the circuit at t = 1 s.
  const calls = Array.from({ length: 50 }, () => call(b, 0));
  calls.forEach((c, i) => c.done(true, (i + 1) * 200));
  assert.equal(b.retryAfterMs(10_000), 1000, 'open until t = 11 s');
  assert.equal(b.admit(11_000), 'probe');
  assert.equal(b.inFlight, 1, 'every ended call left the count');
});

test('with several probes, the first outcome decides; later ones are ignored', () => {
  const b = new Breaker({ failures: 1, openForMs: 1000, probes: 3, maxConcurrent: Infinity, probeTimeoutMs: 30_000 });
  call(b, 0).done(true, 0);
  const probes = [call(b, 1000), call(b, 1000), call(b, 1000)];
  assert.deepEqual(probes.map((p) => p.admission), ['probe', 'probe', 'probe']);
  probes[0]!.done(false, 1100);
  assert.equal(b.state, 'closed');
  probes[1]!.done(true, 1200);
  assert.equal(b.state, 'closed', 'a later probe failing does not open it again');
  probes[2]!.done(true, 1300);
  assert.equal(b.admit(1300), 'pass');

  // The other way round: the first probe fails, a later success does not close it.
  call(b, 2000).done(true, 2000);
  const more = [call(b, 3000), call(b, 3000)];
  more[0]!.done(true, 3100);
  more[1]!.done(false, 3200);
  assert.equal(b.state, 'open');
  assert.equal(b.retryAfterMs(3200), 900);
});

test('probes out for probeTimeout without an outcome count as a failure; their late outcome is ignored', () => {
  const b = new Breaker({ failures: 1, openForMs: 1000, probes: 1, maxConcurrent: Infinity, probeTimeoutMs: 5000 });
  call(b, 0).done(true, 0);
  const hung = call(b, 1000);
  assert.equal(hung.admission, 'probe');
  assert.equal(b.admit(5999), 'open', 'the probe is still out');
  assert.equal(b.retryAfterMs(5999), 0);
  assert.equal(b.admit(6000), 'open', 'timed out: open again');
  assert.equal(b.retryAfterMs(6000), 1000);
  const next = call(b, 7000);
  assert.equal(next.admission, 'probe', 'a new probe after openFor');
  hung.done(false, 7100);
  assert.equal(b.state, 'half-open', 'the late success of the timed-out probe decides nothing');
  next.done(false, 7200);
  assert.equal(b.state, 'closed');
});
