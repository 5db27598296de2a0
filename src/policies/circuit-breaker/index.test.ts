import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import pino from 'pino';
import { RequestContext } from '../../core/context.ts';
import { GatewayError } from '../../core/errors.ts';
import { circuitBreaker } from './index.ts';

function ctx(closed: boolean): RequestContext {
  const req = { headers: {}, socket: { bytesRead: 0, bytesWritten: 0 } } as unknown as IncomingMessage;
  const res = Object.assign(new EventEmitter(), { closed }) as unknown as ServerResponse;
  const c = new RequestContext(req, res, 0);
  c.api = 'shop';
  c.operationId = 'getOrder';
  return c;
}

const env = { logger: pino({ level: 'silent' }), scope: { api: 'shop', operationId: undefined }, baseDir: '.' };

test('a call admitted for a response that has closed already (the client left) is not counted in flight', () => {
  const policy = circuitBreaker.create({ mode: 'enforce', failures: 5, openFor: '10s', halfOpenProbes: 1, probeTimeout: '30s', failureStatuses: [502, 503, 504], maxConcurrent: 1, per: 'api' }, env);
  for (let i = 0; i < 3; i++) policy.onRequest!(ctx(true));
  const open = ctx(false);
  policy.onRequest!(open);
  assert.throws(() => policy.onRequest!(ctx(false)), (error: unknown) => error instanceof GatewayError && error.code === 'PCL_ERR_UPSTREAM_OVERLOADED', 'the cap still holds');
  open.res.emit('close');
  policy.onRequest!(ctx(false));
});
