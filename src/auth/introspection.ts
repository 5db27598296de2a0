// OAuth 2.0 token introspection (RFC 7662): opaque bearer tokens are checked at the authorization
// server's introspection endpoint, the gateway authenticating as a client (client-auth.ts). Answers are
// cached by the SHA-256 of the token: an active one until the earliest of its `exp` and `maxTtl`, an
// inactive one for `negativeTtl`. One request per token at a time (single flight). When the endpoint
// fails, is slow or answers something else than 200 + JSON, the token is neither accepted nor refused:
// AuthUnavailable (503), never a silent allow, and nothing is cached. An active answer whose `exp`,
// `nbf` or `iat` is not a number is just as unusable: ignoring it would cache the token for maxTtl
// however long ago it expired. A `token_type` other than an access token's (a refresh or ID token,
// a DPoP-bound token the gateway cannot check the proof of) is refused.
import { hash } from 'node:crypto';
import type { Identity } from '../core/context.ts';
import type { ClientAuthenticator } from './client-auth.ts';
import { AuthFailure, AuthUnavailable } from './failure.ts';
import { toIdentity, type ClaimMapping } from './jwt.ts';
import { DEFAULT_TOKEN_TYPES } from './introspection-schema.ts';
import { ExpiringLru } from './lru.ts';
import { readResponseText } from '../core/read-response.ts';

export interface IntrospectionOptions {
  readonly endpoint: string;
  /** Adds the gateway's client credentials to each call. */
  readonly authenticate: ClientAuthenticator;
  readonly tokenTypeHint: string | undefined;
  /** When set, an active token's `iss` must be this. */
  readonly issuer: string | undefined;
  /** When set, an active token must carry `aud` naming one of them. */
  readonly audiences: readonly string[] | undefined;
  readonly claims: ClaimMapping;
  readonly timeoutMs: number;
  readonly maxTokenLength: number;
  readonly cacheEntries: number;
  readonly maxTtlMs: number;
  readonly negativeTtlMs: number;
  readonly clockToleranceSec: number;
  readonly maxResponseBytes: number;
  /** Accepted `token_type` values (any case; default: introspection-schema.ts); an answer without one is accepted. */
  readonly acceptTokenTypes?: readonly string[];
}

/** A cached refusal: thrown anew each time it is served. */
type Answer = Identity | AuthFailure;
const INACTIVE = new AuthFailure('inactive');
const TIMES = ['exp', 'nbf', 'iat'] as const;

export class IntrospectionVerifier {
  readonly #o: IntrospectionOptions;
  readonly #tokenTypes: readonly string[];
  readonly #cache: ExpiringLru<Answer>;
  readonly #inflight = new Map<string, Promise<Answer>>();
  /** Calls made to the endpoint, for tests and metrics. */
  calls = 0;

  constructor(options: IntrospectionOptions) {
    this.#o = options;
    this.#tokenTypes = (options.acceptTokenTypes ?? DEFAULT_TOKEN_TYPES).map((t) => t.toLowerCase());
    this.#cache = new ExpiringLru(options.cacheEntries);
  }

  /** The identity of an active token: synchronous when the answer is cached. */
  verify(token: string): Identity | Promise<Identity> {
    if (token.length === 0 || !/^[\x21-\x7e]+$/.test(token)) throw new AuthFailure('malformed');
    if (token.length > this.#o.maxTokenLength) throw new AuthFailure('too_large');
    const key = hash('sha256', token, 'base64');
    const cached = this.#cache.get(key);
    if (cached !== undefined) return settle(cached);
    let pending = this.#inflight.get(key);
    if (pending === undefined) {
      pending = this.#introspect(token, key).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending.then(settle);
  }

  async #introspect(token: string, key: string): Promise<Answer> {
    this.calls++;
    const body = await this.#call(token);
    const now = Date.now();
    const answer = this.#judge(body, now);
    const exp = typeof body.exp === 'number' ? body.exp * 1000 : Number.POSITIVE_INFINITY;
    const until = answer instanceof AuthFailure ? now + this.#o.negativeTtlMs : Math.min(now + this.#o.maxTtlMs, exp);
    if (until > now) this.#cache.set(key, answer, until);
    return answer;
  }

  async #call(token: string): Promise<Record<string, unknown>> {
    const form = new URLSearchParams({ token });
    if (this.#o.tokenTypeHint !== undefined) form.set('token_type_hint', this.#o.tokenTypeHint);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    await this.#o.authenticate(form, headers);
    let res: Response;
    try {
      res = await fetch(this.#o.endpoint, {
        method: 'POST',
        headers,
        body: form.toString(),
        redirect: 'error',
        signal: AbortSignal.timeout(this.#o.timeoutMs),
      });
    } catch (error) {
      throw new AuthUnavailable('the introspection endpoint cannot be reached', { cause: error });
    }
    try {
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      const text = await readResponseText(res, this.#o.maxResponseBytes);
      const parsed: unknown = JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the answer is not a JSON object');
      return parsed as Record<string, unknown>;
    } catch (error) {
      await res.body?.cancel().catch(() => {});
      throw new AuthUnavailable('the introspection endpoint gave no usable answer', { cause: error });
    }
  }

  /** An answer to cache: the identity of an active, currently valid access token, or a refusal. */
  #judge(body: Record<string, unknown>, now: number): Answer {
    if (body.active !== true) return INACTIVE;
    for (const name of TIMES) {
      const value = body[name];
      if (Object.hasOwn(body, name) && (typeof value !== 'number' || !Number.isFinite(value))) {
        throw new AuthUnavailable('the introspection endpoint gave no usable answer', { cause: new Error(`\`${name}\` is not a number`) });
      }
    }
    if (Object.hasOwn(body, 'token_type')) {
      const type = body.token_type;
      if (typeof type !== 'string' || !this.#tokenTypes.includes(type.toLowerCase())) return new AuthFailure('claim_invalid', 'token_type');
    }
    const skew = this.#o.clockToleranceSec * 1000;
    if (typeof body.exp === 'number' && body.exp * 1000 <= now - skew) return INACTIVE;
    if (typeof body.nbf === 'number' && body.nbf * 1000 > now + skew) return INACTIVE;
    if (this.#o.issuer !== undefined && body.iss !== this.#o.issuer) return INACTIVE;
    const audiences = this.#o.audiences;
    if (audiences !== undefined) {
      const aud = typeof body.aud === 'string' ? [body.aud] : Array.isArray(body.aud) ? body.aud : [];
      if (!aud.some((a) => audiences.includes(a as string))) return INACTIVE;
    }
    const identity = toIdentity(body, this.#o.claims);
    // Without `sub`, the resource owner's `username` (RFC 7662 §2.2) names the subject.
    const subject = identity.subject ?? (typeof body.username === 'string' ? body.username : undefined);
    return Object.freeze({ ...identity, subject, method: 'introspection' });
  }
}

function settle(answer: Answer): Identity {
  if (answer instanceof AuthFailure) throw new AuthFailure(answer.reason, answer.about);
  return answer;
}
