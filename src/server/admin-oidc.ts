// What the dashboard needs to sign in with the OpenID Connect provider of `admin.oidc`: its
// authorization and token endpoints, read from the provider's discovery document (RFC 8414 /
// OpenID Connect Discovery) by the gateway, cached, and refetched after a failure at most every 30 s.
import type { Logger } from 'pino';

export interface ProviderEndpoints {
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
}

const RETRY_MS = 30_000;

export class OidcEndpoints {
  readonly #issuer: string;
  readonly #log: Logger;
  #known: ProviderEndpoints | undefined;
  #inflight: Promise<ProviderEndpoints | undefined> | undefined;
  #failedAt = Number.NEGATIVE_INFINITY;

  constructor(issuer: string, logger: Logger) {
    this.#issuer = issuer;
    this.#log = logger;
  }

  /** The issuer's origin and, once known, the token endpoint's: what the dashboard's CSP lets it call. */
  get origins(): string[] {
    const origins = new Set([new URL(this.#issuer).origin]);
    if (this.#known) origins.add(new URL(this.#known.tokenEndpoint).origin);
    return [...origins];
  }

  /** The endpoints, or undefined while the provider cannot be reached. */
  async get(): Promise<ProviderEndpoints | undefined> {
    if (this.#known) return this.#known;
    if (Date.now() - this.#failedAt < RETRY_MS) return undefined;
    return (this.#inflight ??= this.#fetch().finally(() => (this.#inflight = undefined)));
  }

  async #fetch(): Promise<ProviderEndpoints | undefined> {
    const url = `${this.#issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    try {
      const res = await fetch(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(5000) });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      const doc = (await res.json()) as Record<string, unknown>;
      if (doc.issuer !== this.#issuer) throw new Error(`the document names the issuer ${String(doc.issuer)}`);
      const authorizationEndpoint = httpUrl(doc.authorization_endpoint, 'authorization_endpoint');
      const tokenEndpoint = httpUrl(doc.token_endpoint, 'token_endpoint');
      return (this.#known = { issuer: this.#issuer, authorizationEndpoint, tokenEndpoint });
    } catch (error) {
      this.#failedAt = Date.now();
      this.#log.warn({ err: { message: (error as Error).message }, url }, 'admin.oidc: the provider\'s discovery document cannot be read');
      return undefined;
    }
  }
}

function httpUrl(value: unknown, name: string): string {
  if (typeof value !== 'string' || !/^https?:\/\//.test(value)) throw new Error(`${name} is not an http(s) URL`);
  return new URL(value).href;
}
