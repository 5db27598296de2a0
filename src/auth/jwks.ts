// A remote JSON Web Key Set, cached: its freshness comes from the response's Cache-Control / Expires
// clamped to [minTtl, maxTtl]; one fetch at a time (single flight); a stale set keeps being served
// while a refresh runs in the background or when the endpoint fails; an unknown `kid` triggers a
// refetch at most once per cooldown. URLs come from the config only: `jku` and `x5u` in a token are
// never looked at. With `discovery`, the JWKS URL is read once from the OpenID Provider metadata;
// its `jwks_uri` may not downgrade to plain http (plain-http.ts says why).
import { createLocalJWKSet, type JWTVerifyGetKey, type JWSHeaderParameters, type FlattenedJWSInput } from 'jose';
import type { Logger } from 'pino';
import { AuthFailure } from './failure.ts';
import { insecureHttp } from './plain-http.ts';

export interface JwksOptions {
  /** JWKS URL, or the OpenID discovery document URL when `discovery` is true. */
  readonly url: string;
  readonly discovery: boolean;
  /** With discovery: the `issuer` the metadata must name. */
  readonly issuer: string | undefined;
  readonly minTtlMs: number;
  readonly maxTtlMs: number;
  /** Freshness when the response says nothing. */
  readonly defaultTtlMs: number;
  /** Least time between two fetches caused by unknown `kid`s (or after a failure). */
  readonly cooldownMs: number;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** A discovered http:// `jwks_uri` to a non-loopback host is accepted (only from an http:// document). */
  readonly allowInsecureHttp?: boolean;
}

type LocalSet = ReturnType<typeof createLocalJWKSet>;

export class JwksCache {
  readonly #o: JwksOptions;
  readonly #log: Logger;
  #jwksUrl: string | undefined;
  #set: LocalSet | undefined;
  #freshUntil = 0;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | undefined;
  /** Fetch count, for tests and metrics. */
  fetches = 0;

  constructor(options: JwksOptions, logger: Logger) {
    this.#o = options;
    this.#log = logger;
    this.#jwksUrl = options.discovery ? undefined : options.url;
  }

  /** Starts the first fetch without waiting for it (errors are logged). */
  warm(): void {
    if (!this.#set) void this.refresh().catch(() => {});
  }

  /** A jose key resolver over the cached set. */
  readonly getKey: JWTVerifyGetKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    const now = Date.now();
    if (!this.#set) {
      // Nothing cached yet: join the fetch in flight, or start one unless one failed just now.
      if (this.#inflight) await this.#inflight.catch(() => {});
      else if (now - this.#lastAttempt >= this.#o.cooldownMs) await this.refresh().catch(() => {});
      if (!this.#set) throw new AuthFailure('jwks_unavailable');
    } else if (now >= this.#freshUntil && now - this.#lastAttempt >= this.#o.cooldownMs) {
      void this.refresh().catch(() => {}); // stale-while-revalidate
    }
    try {
      return await this.#set(header, token);
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY') throw error;
      // A key we do not know: maybe the issuer rotated. Refetch, rate-limited; join one in flight.
      if (this.#inflight) await this.#inflight.catch(() => {});
      else if (Date.now() - this.#lastAttempt >= this.#o.cooldownMs) await this.refresh().catch(() => {});
      else throw error;
      return this.#set(header, token);
    }
  };

  /** Fetches now unless a fetch is in flight (then joins it). Rejects when the fetch failed. */
  refresh(): Promise<void> {
    return (this.#inflight ??= this.#fetch().finally(() => (this.#inflight = undefined)));
  }

  async #fetch(): Promise<void> {
    this.#lastAttempt = Date.now();
    this.fetches++;
    try {
      if (this.#jwksUrl === undefined) this.#jwksUrl = await this.#discover();
      const { body, ttlMs } = await this.#get(this.#jwksUrl);
      const set = createLocalJWKSet(body as Parameters<typeof createLocalJWKSet>[0]);
      this.#set = set;
      this.#freshUntil = Date.now() + ttlMs;
      this.#log.debug({ jwks: this.#jwksUrl, keys: (body as { keys: unknown[] }).keys.length, ttlMs }, 'JWKS fetched');
    } catch (error) {
      this.#log.warn({ jwks: this.#jwksUrl ?? this.#o.url, err: (error as Error).message, stale: this.#set !== undefined }, this.#set ? 'JWKS refresh failed; serving the cached keys' : 'JWKS fetch failed; tokens of this issuer cannot be verified yet');
      throw error;
    }
  }

  async #discover(): Promise<string> {
    const { body } = await this.#get(this.#o.url);
    const meta = body as { issuer?: unknown; jwks_uri?: unknown };
    if (this.#o.issuer !== undefined && meta.issuer !== this.#o.issuer) throw new Error('the discovery document names another issuer');
    if (typeof meta.jwks_uri !== 'string' || !/^https?:\/\//.test(meta.jwks_uri)) throw new Error('the discovery document has no http(s) jwks_uri');
    // The keys must come at least as safely as the document naming them (fails closed: logged by #fetch).
    if (/^http:/i.test(meta.jwks_uri)) {
      if (/^https:/i.test(this.#o.url)) throw new Error('the discovery document (https) names a plain http jwks_uri: refused');
      if (insecureHttp(meta.jwks_uri) && this.#o.allowInsecureHttp !== true) throw new Error('the discovery document names a plain http jwks_uri on a non-loopback host: refused (allowInsecureHttp)');
    }
    return meta.jwks_uri;
  }

  async #get(url: string): Promise<{ body: unknown; ttlMs: number }> {
    const res = await fetch(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(this.#o.timeoutMs) });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`HTTP ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > this.#o.maxBytes) {
      await res.body?.cancel();
      throw new Error('the response is too large');
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of res.body ?? []) {
      total += chunk.length;
      if (total > this.#o.maxBytes) throw new Error('the response is too large');
      chunks.push(chunk);
    }
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return { body, ttlMs: this.#ttl(res.headers) };
  }

  #ttl(headers: Headers): number {
    let ttl: number | undefined;
    const cc = headers.get('cache-control')?.toLowerCase() ?? '';
    if (/(^|,)\s*(no-store|no-cache)\b/.test(cc)) ttl = 0;
    else {
      const m = /(?:^|,)\s*(?:s-maxage|max-age)\s*=\s*"?(\d+)/.exec(cc);
      if (m) ttl = Number(m[1]) * 1000 - Number(headers.get('age') ?? 0) * 1000;
      else {
        const expires = Date.parse(headers.get('expires') ?? '');
        if (!Number.isNaN(expires)) ttl = expires - Date.parse(headers.get('date') ?? '') || expires - Date.now();
      }
    }
    return Math.min(this.#o.maxTtlMs, Math.max(this.#o.minTtlMs, ttl ?? this.#o.defaultTtlMs));
  }
}

const shared = new Map<string, JwksCache>();

/** One cache per URL and settings for the whole process: reloads and every operation share it. */
export function sharedJwks(options: JwksOptions, logger: Logger): JwksCache {
  const key = JSON.stringify(options);
  let cache = shared.get(key);
  if (!cache) shared.set(key, (cache = new JwksCache(options, logger)));
  return cache;
}
