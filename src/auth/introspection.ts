// OAuth 2.0 token introspection (RFC 7662): opaque bearer tokens are checked at the authorization
// server's introspection endpoint, the gateway authenticating as a client (client-auth.ts). Answers are
// cached by the SHA-256 of the token: an active one until the earliest of its `exp` and `maxTtl`, an
// inactive one for `negativeTtl`. One request per token at a time (single flight). When the endpoint
// fails, is slow or answers something else than 200 + JSON, the token is neither accepted nor refused:
// AuthUnavailable (503), never a silent allow, and nothing is cached.
import { hash } from 'node:crypto';
import type { Identity } from '../core/context.ts';
import type { ClientAuthenticator } from './client-auth.ts';
import { AuthFailure, AuthUnavailable } from './failure.ts';
import { toIdentity, type ClaimMapping } from './jwt.ts';
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
}

const INACTIVE = Symbol('inactive');
type Answer = Identity | typeof INACTIVE;

export class IntrospectionVerifier {
  readonly #o: IntrospectionOptions;
  readonly #cache: ExpiringLru<Answer>;
  readonly #inflight = new Map<string, Promise<Answer>>();
  /** Calls made to the endpoint, for tests and metrics. */
  calls = 0;

  constructor(options: IntrospectionOptions) {
    this.#o = options;
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
    const until = answer === INACTIVE ? now + this.#o.negativeTtlMs : Math.min(now + this.#o.maxTtlMs, exp);
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

  /** An answer to cache: the identity of an active, currently valid token, or INACTIVE. */
  #judge(body: Record<string, unknown>, now: number): Answer {
    if (body.active !== true) return INACTIVE;
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
  if (answer === INACTIVE) throw new AuthFailure('inactive');
  return answer;
}
