// The contract every policy implements: a factory with a schema, validated once at load, that returns
// an instance with request and/or response hooks.
import type { Logger } from 'pino';
import type { LoadedSpec } from '../openapi/load.ts';
import type { SpecOperation } from '../openapi/operations.ts';
import type { RequestContext } from './context.ts';
import type { BodyReplacement, ResponseBody } from './response-body.ts';
import type { Phase } from './phases.ts';

export type Mode = 'enforce' | 'report';

/** Where a policy instance is attached. */
export interface PolicyScope {
  readonly api: string | undefined;
  readonly operationId: string | undefined;
}

export interface PolicyEnv {
  readonly logger: Logger;
  readonly scope: PolicyScope;
  /** Directory of the config file, to resolve relative file paths. */
  readonly baseDir: string;
  /** The API's OpenAPI document and its operations by operationId (absent for global policies and APIs without one). */
  readonly spec?: LoadedSpec;
  readonly operations?: ReadonlyMap<string, SpecOperation>;
}

/** Response head as the client will get it; hooks may edit `headers` in place. */
export interface ResponseHead {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
}

export interface PolicyInstance {
  readonly name: string;
  readonly phase: Phase;
  readonly mode: Mode;
  /** Runs before proxying. Throw a GatewayError to refuse. Return a promise only when it must wait. */
  onRequest?(ctx: RequestContext): void | Promise<void>;
  /** Runs on every response head before it is written, gateway errors included. Synchronous. */
  onResponseHead?(ctx: RequestContext, head: ResponseHead): void;
  /** Request headers this policy sets for the upstream (identity headers): always stripped from clients. */
  readonly reservedHeaders?: readonly string[];
  /** Request headers this policy reads credentials from: never forwarded spelled with "_" (CGI-style upstreams read X_Partner_Id as X-Partner-Id). */
  readonly credentialHeaders?: readonly string[];
  /** Request headers this policy decides on (an owner rule's header): a client may not name them in Connection. */
  readonly readHeaders?: readonly string[];
  /**
   * Sees (and may replace) the whole response body before any of it reaches the client. Declaring it
   * makes the gateway buffer responses of the operations this policy is on, up to `responseBodyLimit`
   * bytes (above: 502, fail closed). Throw a GatewayError to refuse the response. Synchronous.
   * The body is shared with the other body policies (parsed once): return a replacement, never
   * mutate what it returns; the chain applies it in enforce mode only.
   */
  onResponseBody?(ctx: RequestContext, head: ResponseHead, body: ResponseBody): BodyReplacement | undefined;
  /** With `onResponseBody`: a replacement it returns is the gateway's own problem document, which the body policies after it leave alone. */
  readonly replacesWithProblem?: boolean;
  readonly responseBodyLimit?: number;
  /** A body over `responseBodyLimit`: withheld with 502 (`block`, the default: fail closed) or sent unchecked (`pass`). */
  readonly oversize?: 'block' | 'pass';
  /**
   * With `onResponseBody`: buffer only the responses this returns true for (e.g. upstream errors);
   * the others stream untouched. Such a policy may see encoded bodies (`content-encoding` in the head).
   */
  wantsResponseBody?(ctx: RequestContext, head: ResponseHead): boolean;
  /**
   * With `wantsResponseBody`: ask the upstream for unencoded responses anyway (the client's
   * Accept-Encoding is dropped), since which ones will be read is only known from their head.
   */
  readonly identityResponses?: boolean;
  /** Answers the request itself (e.g. a CORS preflight) instead of routing it; true when it did. */
  intercept?(ctx: RequestContext): boolean;
  close?(): void | Promise<void>;
}

export interface PolicyFactory<Config = Record<string, unknown>> {
  readonly name: string;
  readonly phase: Phase;
  readonly description: string;
  /** On for every request unless the config turns it off with `false` (safe defaults). */
  readonly defaultOn?: boolean;
  /** JSON Schema of the policy's options (without the common `mode`). */
  readonly schema: Record<string, unknown>;
  create(config: Config & { mode: Mode }, env: PolicyEnv): Omit<PolicyInstance, 'name' | 'phase' | 'mode'>;
}
