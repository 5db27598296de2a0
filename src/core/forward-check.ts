// A check a request hook leaves for the moment the request is about to go upstream, when its decision
// needs the request as the upstream will get it (path, headers, identity headers included) and that
// upstream: the ownership policy's preflight GET (policies/ownership/preflight.ts). proxy() runs it
// after every request policy passed, so a request refused, rate-limited or found hostile never costs
// an upstream call, and only a check that resolves lets the request go; one that throws anything but a
// GatewayError is an internal failure (logged, 500). Kept in ctx.state: a request without one pays one
// property read.
import type { RequestContext } from './context.ts';

/** An upstream response read for a check: the body is undefined when it was over the limit asked for. */
export interface CheckedResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer | undefined;
}

/** The request as it is about to be forwarded, and a way to GET from the same upstream. */
export interface ForwardTarget {
  /** As forwarded: upstream base path, path, query. */
  readonly path: string;
  /** Flat [name, value, ...] as the upstream will get them. */
  readonly headers: readonly string[];
  /**
   * GET from the same upstream (its pool, connect retries and a total timeout of its own), reading at
   * most `limit` body bytes; given up when the client leaves. Rejects with a GatewayError (502 / 504)
   * when the upstream cannot be reached or fails, 499 when the client left.
   */
  get(path: string, headers: string[], limit: number): Promise<CheckedResponse>;
}

/** Resolves to let the request go; rejects (a GatewayError) to refuse it, nothing forwarded. */
export type ForwardCheck = (ctx: RequestContext, target: ForwardTarget) => Promise<void>;

/** Not a policy name: ctx.state's other keys are. */
const SLOT = ' forward-check';

/** Adds a check; several run one after the other. */
export function checkBeforeForward(ctx: RequestContext, check: ForwardCheck): void {
  const state = (ctx.state ??= {});
  const before = state[SLOT] as ForwardCheck | undefined;
  state[SLOT] = before === undefined ? check : async (c: RequestContext, t: ForwardTarget) => {
    await before(c, t);
    await check(c, t);
  };
}

export function forwardCheckOf(ctx: RequestContext): ForwardCheck | undefined {
  return ctx.state === undefined ? undefined : (ctx.state[SLOT] as ForwardCheck | undefined);
}
