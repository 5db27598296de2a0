// The audit verdict of a request from how it ended: a refusal is a deny; a failure on the gateway's or
// the upstream's side, or a client that left, is an error, also when the status was already sent.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import { RequestContext } from '../../core/context.ts';
import type { ErrorCode } from '../../core/errors.ts';
import { verdictOf } from './event.ts';

function ended(code: ErrorCode | undefined): RequestContext {
  const req = { socket: { bytesWritten: 0 } } as unknown as IncomingMessage;
  const ctx = new RequestContext(req, {} as ServerResponse, 0);
  ctx.errorCode = code;
  return ctx;
}

test('audit verdict: refusals deny, failures and clients that left are errors', () => {
  assert.equal(verdictOf(ended(undefined), 200), 'allow');
  assert.equal(verdictOf(ended('PCL_ERR_FORBIDDEN'), 403), 'deny');
  assert.equal(verdictOf(ended('PCL_ERR_UPSTREAM_UNAVAILABLE'), 502), 'error');
  assert.equal(verdictOf(ended('PCL_ERR_CLIENT_CLOSED'), 499), 'error');
  // The head was sent (200), then the response was cut.
  assert.equal(verdictOf(ended('PCL_ERR_UPSTREAM_UNAVAILABLE'), 200), 'error', 'the upstream failed during the body');
  assert.equal(verdictOf(ended('PCL_ERR_CLIENT_CLOSED'), 200), 'error', 'the client left during the body');
  assert.equal(verdictOf(ended('PCL_ERR_VALIDATION'), 200), 'deny', 'a streamed body refused after the upstream had answered');
});
