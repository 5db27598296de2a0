// Per-request state shared by the phases. One object per request with every field set in the
// constructor, so V8 keeps a single shape for it on the hot path.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from './errors.ts';

export type Verdict = 'allow' | 'deny' | 'report';

export interface Decision {
  readonly policy: string;
  readonly verdict: Verdict;
  readonly code?: ErrorCode;
  /** The refusal's client-safe detail (GatewayError.detail), kept as audit evidence. */
  readonly detail?: string;
}

/** Who is calling, filled in by the authenticate phase. */
export interface Identity {
  readonly consumerId?: string;
  readonly subject?: string;
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
  readonly claims: Readonly<Record<string, unknown>>;
  readonly method: string;
}

/** A scheme whose credential verified, with the identity it gave (authorization checks requirements by scheme). */
export interface AuthenticatedScheme {
  /** An OpenAPI securitySchemes name when `specName` (auth-schemes); else the policy's own (jwt, apiKey...). */
  readonly name: string;
  readonly kind: 'jwt' | 'apiKey' | 'introspection' | 'mtls' | 'signature';
  readonly specName: boolean;
  readonly identity: Identity;
}

/** On a connection: its bytesRead when its last request was logged (the access log sets it). */
export const READ_LOGGED = Symbol('readLogged');
export type CountedSocket = IncomingMessage['socket'] & { [READ_LOGGED]?: number };

export class RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly startedAt: number;
  id = '';
  /** The connection's peer address as the socket reads it (never unknown: see handler.ts admit). */
  peer = '';
  clientIp = '';
  /** The direct peer is one of forwarding.trustedProxies (its forwarding headers are believed). */
  peerTrusted = false;
  /** Normalized path as routed and forwarded (percent-encoded, no query). */
  path = '';
  /** Raw query string without the leading "?" ("" when absent). */
  query = '';
  api: string | undefined = undefined;
  operationId: string | undefined = undefined;
  params: Record<string, string> | undefined = undefined;
  identity: Identity | undefined = undefined;
  /** Every scheme that verified a credential of this request (set with `identity`). */
  authenticated: AuthenticatedScheme[] | undefined = undefined;
  /** Denials and report-mode findings; policies that allowed are derived when logging. */
  decisions: Decision[] | undefined = undefined;
  /** Names of the policies that ran, in order. */
  ran: string[] | undefined = undefined;
  upstreamMs = -1;
  /** Largest request body accepted; set from the listener limits, raised or lowered by request-size. */
  bodyLimit = 0;
  /**
   * Socket byte counters for per-request wire byte counts: read since the connection's previous
   * request was logged (its head is read before the request begins), written since this one began.
   */
  readonly readAtStart: number;
  readonly writtenAtStart: number;
  /** The connection, kept for its counters: req.socket is let go of when the exchange ends. */
  readonly socket: CountedSocket;
  errorCode: ErrorCode | undefined = undefined;
  /** Stopped while a step waited (its client left, or the listener answered it): later policies never ran. */
  stopped = false;
  /** A refused credential's keyed fingerprint (auth/fingerprint.ts; never the credential), for the credential-stuffing detector. */
  failedCredential: string | undefined = undefined;
  /** The request body once a policy has read it (see core/body.ts); then forwarded from memory. */
  body: Buffer | undefined = undefined;
  bodyReading: Promise<Buffer> | undefined = undefined;
  /** `body` with its Content-Encoding undone, once a policy needed it (core/decoded-body.ts). */
  content: Buffer | undefined = undefined;
  /** Content-Type of the upstream response as sent to the client (after the response policies). */
  responseType: string | string[] | undefined = undefined;
  /** The response body as sent, when it was held whole (body policies) or tapped for the inventory. */
  responseBody: Buffer | undefined = undefined;
  /** Headers policies add to the upstream request, flat [name, value, ...] (identity headers...). */
  upstreamHeaders: string[] | undefined = undefined;
  /** Free slots for policies (parsed body, limits...), keyed by policy name. */
  state: Record<string, unknown> | undefined = undefined;

  constructor(req: IncomingMessage, res: ServerResponse, startedAt: number) {
    this.req = req;
    this.res = res;
    this.startedAt = startedAt;
    this.socket = req.socket;
    this.readAtStart = this.socket[READ_LOGGED] ?? 0;
    this.writtenAtStart = this.socket.bytesWritten;
  }

  /**
   * The client closed (or reset) the connection: nothing can be answered any more. Checked after each
   * step that waited (a policy's store or server, the request body), before anything more is done for
   * the request; the response's 'close' is emitted, or on its way, once this is true.
   */
  clientGone(): boolean {
    return this.socket.destroyed;
  }

  record(policy: string, verdict: Verdict, code?: ErrorCode, detail?: string): void {
    const decision: Decision = code === undefined ? { policy, verdict } : detail === undefined ? { policy, verdict, code } : { policy, verdict, code, detail };
    (this.decisions ??= []).push(decision);
  }
}
