// The policy chain of one operation: instances sorted by lifecycle phase, each request hook wrapped
// once (at compile time) for its mode. Running it stays synchronous until a hook returns a promise,
// so the common path costs no promise per policy.
import type { RequestContext } from './context.ts';
import { GatewayError } from './errors.ts';
import { PHASE_ORDER } from './phases.ts';
import type { PolicyInstance, ResponseHead } from './policy.ts';
import { isSingleMediaType } from './media-type.ts';
import { ResponseBody } from './response-body.ts';

export interface RequestHook {
  readonly policy: string;
  readonly run: (ctx: RequestContext) => void | Promise<void>;
  /** Turns a refusal into the outcome of the mode: rethrow (enforce) or record and go on (report). */
  readonly refused: (ctx: RequestContext, error: unknown) => void;
}

export interface Chain {
  readonly policies: readonly PolicyInstance[];
  readonly requestHooks: readonly RequestHook[];
  readonly onResponseHead: (ctx: RequestContext, head: ResponseHead) => void;
  readonly interceptors: readonly PolicyInstance[];
  /** Largest response body buffered for the body hooks; 0 when no policy needs the body (streamed). */
  readonly responseBodyLimit: number;
  readonly onResponseBody: (ctx: RequestContext, head: ResponseHead, body: Buffer) => Buffer;
  /** How many bytes of this response to buffer for the body hooks that want it (0: stream it). */
  readonly bodyLimitFor: (ctx: RequestContext, head: ResponseHead) => number;
  /**
   * A body over its limit: true when every hook that wanted it lets it pass unchecked (each records
   * a report); false to withhold it.
   */
  readonly passOversize: (ctx: RequestContext, head: ResponseHead) => boolean;
  /**
   * Some body hook reads every response: an encoded or partial one cannot be checked and is refused,
   * Range and preconditions are not forwarded, validators of the upstream's body not returned.
   */
  readonly readsEveryBody: boolean;
  /** Upstream responses are asked for unencoded (a hook reads every body, or asks for it). */
  readonly asksIdentity: boolean;
}

const DEFAULT_RESPONSE_BODY_LIMIT = 1024 * 1024;

export function buildChain(instances: readonly PolicyInstance[]): Chain {
  const policies = [...instances].sort((a, b) => PHASE_ORDER[a.phase] - PHASE_ORDER[b.phase]);
  const requestHooks: RequestHook[] = [];
  for (const p of policies) {
    if (!p.onRequest) continue;
    const run = p.onRequest.bind(p);
    requestHooks.push({
      policy: p.name,
      run,
      refused:
        p.mode === 'enforce'
          ? (ctx, error) => {
              if (error instanceof GatewayError) ctx.record(p.name, 'deny', error.code, error.detail);
              throw error;
            }
          : (ctx, error) => {
              if (!(error instanceof GatewayError)) throw error;
              ctx.record(p.name, 'report', error.code, error.detail);
            },
    });
  }
  const headHooks = policies.filter((p) => p.onResponseHead && p.mode === 'enforce');
  const onResponseHead =
    headHooks.length === 0
      ? () => {}
      : (ctx: RequestContext, head: ResponseHead) => {
          for (const p of headHooks) p.onResponseHead!(ctx, head);
        };
  const bodyHooks = policies.filter((p) => p.onResponseBody);
  const readsEveryBody = bodyHooks.some((p) => !p.wantsResponseBody);
  const asksIdentity = readsEveryBody || bodyHooks.some((p) => p.identityResponses === true);
  const limitOf = (p: PolicyInstance) => p.responseBodyLimit ?? DEFAULT_RESPONSE_BODY_LIMIT;
  const everyBodyLimit = Math.min(...bodyHooks.filter((p) => !p.wantsResponseBody).map(limitOf));
  const selective = bodyHooks.filter((p) => p.wantsResponseBody);
  // The smallest limit among the hooks that will read this response: a hook that does not want it
  // cannot make it fail.
  const bodyLimitFor = (ctx: RequestContext, head: ResponseHead): number => {
    let limit = everyBodyLimit;
    for (const p of selective) if (p.wantsResponseBody!(ctx, head)) limit = Math.min(limit, limitOf(p));
    return limit === Infinity ? 0 : limit;
  };
  const passOversize = (ctx: RequestContext, head: ResponseHead): boolean => {
    const wanting = bodyHooks.filter((p) => !p.wantsResponseBody || p.wantsResponseBody(ctx, head));
    if (wanting.some((p) => p.oversize !== 'pass')) return false;
    for (const p of wanting) ctx.record(p.name, 'report', 'PCL_ERR_RESPONSE_UNINSPECTABLE');
    return true;
  };
  const onResponseBody = (ctx: RequestContext, head: ResponseHead, bytes: Buffer): Buffer => {
    // A body whose type is ambiguous (a repeated or malformed Content-Type) would be read by the
    // policies as one thing and by the client as another, or skipped: withheld (fail closed).
    if (!isSingleMediaType(head.headers['content-type'])) refuseAmbiguousType(ctx, head);
    const body = new ResponseBody(head, bytes);
    for (const p of bodyHooks) {
      if (p.wantsResponseBody && !p.wantsResponseBody(ctx, head)) continue;
      try {
        const replaced = p.onResponseBody!(ctx, head, body);
        // A report-mode policy decides and records, but the client gets the body unchanged.
        if (replaced !== undefined) {
          if (p.mode === 'enforce') {
            body.apply(replaced);
            // The gateway's own problem (error-sanitizer): a response filter would strip it to the
            // document's error schema (a 502 sent as "{}").
            if (p.replacesWithProblem) break;
          } else ctx.record(p.name, 'report');
        }
      } catch (error) {
        if (p.mode === 'enforce' || !(error instanceof GatewayError)) {
          if (error instanceof GatewayError) ctx.record(p.name, 'deny', error.code);
          throw error;
        }
        ctx.record(p.name, 'report', error.code);
      }
    }
    return body.bytes();
  };
  const refuseAmbiguousType = (ctx: RequestContext, head: ResponseHead): void => {
    const code = 'PCL_ERR_RESPONSE_UNINSPECTABLE';
    const wanting = bodyHooks.filter((p) => !p.wantsResponseBody || p.wantsResponseBody(ctx, head));
    const enforcing = wanting.find((p) => p.mode === 'enforce');
    if (enforcing) {
      ctx.record(enforcing.name, 'deny', code);
      throw new GatewayError(code, 'The upstream response has a repeated or malformed Content-Type.');
    }
    for (const p of wanting) ctx.record(p.name, 'report', code);
  };
  const responseBodyLimit = bodyHooks.length ? Math.min(...bodyHooks.map((p) => p.responseBodyLimit ?? DEFAULT_RESPONSE_BODY_LIMIT)) : 0;
  return { policies, requestHooks, onResponseHead, interceptors: policies.filter((p) => p.intercept), responseBodyLimit, onResponseBody, bodyLimitFor, passOversize, readsEveryBody, asksIdentity };
}

/**
 * Thrown (this one instance) to stop a request whose client has gone: no later step runs, nothing is
 * answered or forwarded (handler.ts records it).
 */
export const CLIENT_GONE: Error = new Error('the client closed the connection');

/**
 * Runs hooks from index `i`; returns a promise only if one of them did. Refusals are thrown. After a
 * hook that waited, the rest run only if the client is still there (else CLIENT_GONE is thrown): a
 * listener on the response's 'close' added once it has closed would never be called.
 */
export function runHooks(ctx: RequestContext, hooks: readonly RequestHook[], i = 0): void | Promise<void> {
  for (; i < hooks.length; i++) {
    const hook = hooks[i]!;
    let pending: void | Promise<void>;
    try {
      pending = hook.run(ctx);
    } catch (error) {
      hook.refused(ctx, error);
      continue;
    }
    if (pending !== undefined) {
      const next = i + 1;
      return pending.then(
        () => goOn(ctx, hooks, next),
        (error: unknown) => {
          hook.refused(ctx, error);
          return goOn(ctx, hooks, next);
        },
      );
    }
  }
}

function goOn(ctx: RequestContext, hooks: readonly RequestHook[], next: number): void | Promise<void> {
  if (ctx.clientGone()) throw CLIENT_GONE;
  return runHooks(ctx, hooks, next);
}
