import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import pino from 'pino';
import { RequestContext } from '../../core/context.ts';
import { GatewayError } from '../../core/errors.ts';
import { MemoryCounters } from '../../store/counters/memory.ts';
import type { Counters, Decision, Take } from '../../store/counters/types.ts';
import { compileLimits } from './compile.ts';
import { createLimiter } from './limiter.ts';

/** In-process counters that answer a turn later, as the cluster primary or Redis do. */
class RemoteLike implements Counters {
  readonly kind = 'redis';
  readonly inner = new MemoryCounters();
  async consume(takes: readonly Take[]): Promise<Decision> {
    await new Promise((resolve) => setImmediate(resolve));
    return this.inner.consume(takes);
  }
  release(takes: readonly Take[]): void {
    this.inner.release(takes);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function ctx(): RequestContext {
  const req = { headers: {}, socket: { bytesRead: 0, bytesWritten: 0 } } as unknown as IncomingMessage;
  const res = Object.assign(new EventEmitter(), { closed: false }) as unknown as ServerResponse;
  const c = new RequestContext(req, res, 0);
  c.clientIp = '203.0.113.9';
  c.api = 'shop';
  c.operationId = 'getOrder';
  return c;
}

function close(c: RequestContext): void {
  (c.res as unknown as { closed: boolean }).closed = true;
  c.res.emit('close');
}

test('a concurrency slot decided after the client left is given back at once', async () => {
  const counters = new RemoteLike();
  const limits = compileLimits([{ name: 'in-flight', algorithm: 'concurrency', limit: 1, per: '1s', cost: 1, key: ['operation'] }], {
    policy: 'rate-limit',
    scope: { api: 'shop', operationId: undefined },
    onStoreError: 'local',
    instances: 1,
    preAuth: false,
  });
  const limiter = createLimiter({ limits, costs: new Map(), tierClaim: 'tier', counters, local: new MemoryCounters(), logger: pino({ level: 'silent' }), release: () => Promise.resolve() });

  // The response closes while the decision is on its way: its 'close' has been emitted before the
  // slot is taken.
  const gone = ctx();
  const deciding = limiter.onRequest!(gone);
  close(gone);
  await deciding;

  const next = ctx();
  await limiter.onRequest!(next);
  const third = ctx();
  await assert.rejects(Promise.resolve(limiter.onRequest!(third)), (error: unknown) => error instanceof GatewayError && error.code === 'PCL_ERR_RATE_LIMITED', 'the limit still holds');
  close(next);
  await limiter.onRequest!(ctx());
});
