// A live identity: its credentials now. Tokens from a log-in operation or an OAuth2 token endpoint are
// fetched once, refreshed before they expire and on a 401; every secret is registered with the redactor
// so it never reaches a report.
import type { HttpResponse, ScanClient } from './http.ts';
import { IdentityError, jsonPath, type IdentitySpec, type LoginFlow, type OAuth2Flow, type Role } from './identities.ts';
import type { ScanOperation } from './operations.ts';
import { loginFields } from './plan.ts';
import type { Redactor } from './redact.ts';
import { readResponseText } from '../core/read-response.ts';

/** A live identity: its credentials now, refreshed when a token runs out. */
export class Identity {
  readonly spec: IdentitySpec;
  readonly name: string;
  readonly role: Role;
  /** The caller's own id and user name, from the self operation (GET /me). */
  userId?: string;
  username?: string;
  #token?: string;
  #expires = Infinity;
  readonly #client: ScanClient;
  readonly #redactor: Redactor;
  readonly #loginOp?: ScanOperation;

  constructor(spec: IdentitySpec, client: ScanClient, redactor: Redactor, loginOp?: ScanOperation) {
    this.spec = spec;
    this.name = spec.name;
    this.role = spec.role;
    this.#client = client;
    this.#redactor = redactor;
    if (loginOp) this.#loginOp = loginOp;
    const variable = (suffix: string) => `${spec.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${suffix.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
    for (const [k, v] of Object.entries(spec.headers)) redactor.add(k.toLowerCase() === 'authorization' ? v.replace(/^\w+\s+/, '') : v, variable(k));
    for (const [k, v] of Object.entries(spec.query)) redactor.add(v, variable(k));
    const loginPassword = this.#loginPassword();
    if (loginPassword) redactor.add(loginPassword, variable('password'));
    if (spec.oauth2?.clientSecret) redactor.add(spec.oauth2.clientSecret, variable('client_secret'));
    if (spec.oauth2?.password) redactor.add(spec.oauth2.password, variable('password'));
  }

  get refreshable(): boolean {
    return Boolean(this.spec.login || this.spec.oauth2);
  }

  /** The bearer token when the identity has one (log in, OAuth2, or a static Authorization: Bearer). */
  get token(): string | undefined {
    return this.#token ?? /^Bearer\s+(.+)$/i.exec(this.spec.headers.Authorization ?? this.spec.headers.authorization ?? '')?.[1];
  }

  /** The user name and password of a log-in identity, if known (for the log-in checks). */
  get credentials(): { user?: string; password?: string } {
    const body = this.spec.login?.body ?? {};
    const fields = this.#loginOp ? loginFields(this.#loginOp) : {};
    const user = body.$user ?? (fields.user ? body[fields.user] : undefined) ?? this.spec.oauth2?.username;
    const password = this.#loginPassword();
    return { ...(typeof user === 'string' ? { user } : {}), ...(password ? { password } : {}) };
  }

  #loginPassword(): string | undefined {
    const body = this.spec.login?.body ?? {};
    if (typeof body.$password === 'string') return body.$password;
    const key = Object.keys(body).find((k) => /pass|secret/i.test(k));
    const v = key ? body[key] : this.spec.oauth2?.password;
    return typeof v === 'string' ? v : undefined;
  }

  /** Headers to send now (fetches or refreshes the token first when needed). */
  async headers(): Promise<Record<string, string>> {
    if (this.refreshable && (this.#token === undefined || Date.now() > this.#expires - 10_000)) await this.refresh();
    const headers = { ...this.spec.headers };
    if (this.#token !== undefined) {
      const scheme = this.spec.login?.scheme ?? 'Bearer';
      headers[this.spec.login?.header ?? 'Authorization'] = scheme ? `${scheme} ${this.#token}` : this.#token;
    }
    return headers;
  }

  /** The query string credentials ("" or "api_key=..."). */
  query(): string {
    return new URLSearchParams(this.spec.query).toString();
  }

  /** Logs in again. Throws IdentityError when the log-in fails. */
  async refresh(): Promise<void> {
    if (this.spec.login) await this.#login(this.spec.login);
    else if (this.spec.oauth2) await this.#oauth2(this.spec.oauth2);
  }

  async #login(flow: LoginFlow): Promise<void> {
    const op = this.#loginOp;
    if (!op) throw new IdentityError(`identity ${this.name}: no log-in operation${flow.operation ? ` "${flow.operation}"` : ''} in the document.`);
    let body = flow.body;
    if ('$user' in body) {
      const fields = loginFields(op);
      if (!fields.user || !fields.password) throw new IdentityError(`identity ${this.name}: cannot tell the user and password fields of ${op.label}; use an identities file with login.body.`);
      body = { [fields.user]: body.$user, [fields.password]: body.$password };
    }
    // A log-in limit (perhaps tripped by the scan's own log-in check) is waited out by the client.
    const res = await this.#client.send('POST', op.fullPath, { body }, `${this.name} logs in`);
    this.#accept(res, flow.token ?? '$.access_token', `${op.label}`);
  }

  async #oauth2(flow: OAuth2Flow): Promise<void> {
    const form = new URLSearchParams({ grant_type: flow.grant, client_id: flow.clientId });
    if (flow.clientSecret) form.set('client_secret', flow.clientSecret);
    if (flow.grant === 'password') {
      form.set('username', flow.username ?? '');
      form.set('password', flow.password ?? '');
    }
    if (flow.scope) form.set('scope', flow.scope);
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    if (flow.tokenUrl.startsWith('/')) {
      this.#accept(await this.#client.send('POST', flow.tokenUrl, { headers, body: form.toString() }, `${this.name} gets a token`), '$.access_token', flow.tokenUrl);
      return;
    }
    let res: Response;
    try {
      res = await fetch(flow.tokenUrl, { method: 'POST', headers, body: form, redirect: 'error', signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new IdentityError(`identity ${this.name}: the token endpoint does not answer (${(error as Error).message}).`);
    }
    const json = (await readResponseText(res, 1024 * 1024).then((text) => JSON.parse(text) as unknown).catch(() => undefined)) as unknown;
    if (!res.ok) throw new IdentityError(`identity ${this.name}: the token endpoint answered ${res.status}.`);
    this.#setToken(jsonPath(json, '$.access_token'), jsonPath(json, '$.expires_in'), 'the token endpoint');
  }

  #accept(res: HttpResponse, path: string, where: string): void {
    if (res.status < 200 || res.status >= 300) throw new IdentityError(`identity ${this.name}: the log-in (${where}) answered ${res.status}, not a token.`);
    this.#setToken(jsonPath(res.json, path), jsonPath(res.json, '$.expires_in'), `${where} at ${path}`);
  }

  #setToken(token: unknown, expiresIn: unknown, where: string): void {
    if (typeof token !== 'string' || token === '') throw new IdentityError(`identity ${this.name}: no token in the answer of ${where}.`);
    this.#token = token;
    this.#expires = typeof expiresIn === 'number' && expiresIn > 0 ? Date.now() + expiresIn * 1000 : Infinity;
    this.#redactor.add(token, `${this.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_TOKEN`);
  }
}
