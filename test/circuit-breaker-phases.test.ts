// The circuit breaker counts an outcome only in the phase that admitted the call: calls sent before it
// opened that fail later leave openFor alone; with several probes the first outcome decides; probes
// out for probeTimeout count as failed. Through the policy's hooks, with a mocked clock.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, beforeEach, mock, test } from 'node:test';
import pino from 'pino';
import { RequestContext } from '../src/core/context.ts';
import { GatewayError } from '../src/core/errors.ts';
import { circuitBreaker } from '../src/policies/circuit-breaker/index.ts';

const env = { logger: pino({ level: 'silent' }), scope: { api: 'shop', operationId: undefined }, baseDir: '.' };

function policyOf(options: { failures: number; openFor: string; halfOpenProbes: number; probeTimeout?: string }) {
  return circuitBreaker.create({ mode: 'enforce', failureStatuses: [502, 503, 504], per: 'api', probeTimeout: '30s', ...options }, env);
}

type Policy = ReturnType<typeof policyOf>;

/** Sends a call through the breaker: undefined when refused, else a function that ends it with a status. */
function send(policy: Policy): ((status: number) => void) | undefined {
  const req = { headers: {}, socket: { bytesRead: 0, bytesWritten: 0 } } as unknown as IncomingMessage;
  const res = Object.assign(new EventEmitter(), { closed: false }) as unknown as ServerResponse;
  const ctx = new RequestContext(req, res, 0);
  ctx.api = 'shop';
  ctx.operationId = 'getOrder';
  try {
    policy.onRequest!(ctx);
  } catch (error) {
    if (error instanceof GatewayError && error.code === 'PCL_ERR_UPSTREAM_OVERLOADED') return undefined;
    throw error;
  }
  return (status) => {
    policy.onResponseHead!(ctx, { statusCode: status, headers: {} });
    res.emit('close');
  };
}

beforeEach(() => mock.timers.enable({ apis: ['Date'], now: 1_000_000 }));
afterEach(() => mock.timers.reset());

test('calls sent before the circuit opened that fail afterwards do not keep it open', () => {
  const policy = policyOf({ failures: 5, openFor: '10s', halfOpenProbes: 1 });
  // 50 calls to a hung upstream time out one per 200 ms; the fifth opens the circuit.
  const calls = Array.from({ length: 50 }, () => send(policy)!);
  for (const end of calls) {
    mock.timers.tick(200);
    end(504);
  }
  // Opened at 1 s; now 10 s: the probe is due at 11 s, not 10 s after the last late failure.
  assert.equal(send(policy), undefined);
  mock.timers.tick(1000);
  assert.notEqual(send(policy), undefined, 'a probe goes through after openFor');
});

test('halfOpenProbes > 1: once a probe succeeded, another failing does not open the circuit again', () => {
  const policy = policyOf({ failures: 1, openFor: '1s', halfOpenProbes: 3 });
  send(policy)!(503);
  assert.equal(send(policy), undefined);
  mock.timers.tick(1000);
  const probes = [send(policy)!, send(policy)!, send(policy)!];
  probes[0]!(200);
  probes[1]!(503);
  probes[2]!(502);
  assert.notEqual(send(policy), undefined, 'closed by the first outcome');
});

test('a probe out for probeTimeout counts as failed: the circuit opens again, then a new probe goes', () => {
  const policy = policyOf({ failures: 1, openFor: '2s', halfOpenProbes: 1, probeTimeout: '5s' });
  send(policy)!(503);
  mock.timers.tick(2000);
  const hung = send(policy)!;
  mock.timers.tick(4999);
  assert.equal(send(policy), undefined, 'the probe is still out');
  mock.timers.tick(1);
  assert.equal(send(policy), undefined, 'open again');
  mock.timers.tick(2000);
  const probe = send(policy);
  assert.notEqual(probe, undefined, 'a new probe after openFor');
  hung(200);
  assert.equal(send(policy), undefined, 'the late answer of the timed-out probe decides nothing');
  probe!(200);
  assert.notEqual(send(policy), undefined, 'the new probe closed it');
});
