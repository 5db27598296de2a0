// Who the scan acts as. Identities are static headers (API keys, bearer tokens, cookies), query
// credentials, a log-in operation of the API (body + JSON path of the token), or an OAuth2 token
// endpoint (client credentials or password grant). Tokens are fetched once, refreshed before they expire
// and on a 401. Secrets are registered with the redactor so they never reach a report.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { HttpResponse, ScanClient } from './http.ts';
import type { ScanOperation } from './operations.ts';
import { loginFields } from './plan.ts';
import type { Redactor } from './redact.ts';

export type Role = 'user' | 'admin';

export interface LoginFlow {
  /** operationId or "POST /path" of the log-in operation; default: the one the plan found. */
  readonly operation?: string;
  readonly body: Record<string, unknown>;
  /** JSON path of the token in the answer: $.access_token (default), $.data.token. */
  readonly token?: string;
  readonly header?: string;
  /** Prefix of the header value; default "Bearer". "" sends the token alone. */
  readonly scheme?: string;
}

export interface OAuth2Flow {
  /** Token endpoint: a path on the target, or a URL. */
  readonly tokenUrl: string;
  readonly grant: 'client_credentials' | 'password';
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly username?: string;
  readonly password?: string;
  readonly scope?: string;
}

export interface IdentitySpec {
  readonly name: string;
  readonly role: Role;
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly login?: LoginFlow;
  readonly oauth2?: OAuth2Flow;
}

export class IdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdentityError';
  }
}

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

/** `--identity name:Header=value`; `name:bearer=TOKEN`; `name:login=user:password` (the API's log-in operation). */
export function parseIdentityArg(arg: string, into: Map<string, IdentitySpec>): void {
  const colon = arg.indexOf(':');
  const eq = arg.indexOf('=', colon + 1);
  const name = arg.slice(0, colon);
  if (colon < 1 || eq < 0 || !NAME.test(name)) {
    throw new IdentityError(`--identity "${arg.slice(0, 40)}": expected name:Header=value (name: a letter, then letters, digits, - or _).`);
  }
  const key = arg.slice(colon + 1, eq).trim();
  const value = arg.slice(eq + 1);
  const current = into.get(name) ?? { name, role: 'user' as Role, headers: {}, query: {} };
  if (key === '' || value === '') throw new IdentityError(`--identity ${name}: the header name and value must not be empty.`);
  if (key.toLowerCase() === 'bearer') into.set(name, { ...current, headers: { ...current.headers, Authorization: `Bearer ${value}` } });
  else if (key.toLowerCase() === 'login') {
    const sep = value.indexOf(':');
    if (sep < 1) throw new IdentityError(`--identity ${name}:login=USER:PASSWORD: the user and password are separated by ":".`);
    into.set(name, { ...current, login: { body: { $user: value.slice(0, sep), $password: value.slice(sep + 1) } } });
  } else if (key.startsWith('?')) into.set(name, { ...current, query: { ...current.query, [key.slice(1)]: value } });
  else {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) throw new IdentityError(`--identity ${name}: "${key}" is not a valid header name.`);
    into.set(name, { ...current, headers: { ...current.headers, [key]: value } });
  }
}

/** The identities file (YAML or JSON): `identities: [{ name, role, headers, query, bearer, apiKey, login, oauth2 }]`. ${ENV} is expanded. */
export function readIdentitiesFile(file: string, env: NodeJS.ProcessEnv, into: Map<string, IdentitySpec>): void {
  let doc: any;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new IdentityError(`${file}: cannot read the identities file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message.split('\n')[0]}).`);
  }
  const list = Array.isArray(doc) ? doc : doc?.identities;
  if (!Array.isArray(list) || list.length === 0) throw new IdentityError(`${file}: expected "identities:" with a list of identities.`);
  for (const [i, raw] of list.entries()) {
    const where = `${file}: identities[${i}]`;
    const item = expand(raw, env, where) as Record<string, any>;
    if (!item || typeof item !== 'object' || typeof item.name !== 'string' || !NAME.test(item.name)) throw new IdentityError(`${where}: "name" is required (a letter, then letters, digits, - or _).`);
    const role = item.role ?? 'user';
    if (role !== 'user' && role !== 'admin') throw new IdentityError(`${where}: "role" is user or admin.`);
    const headers: Record<string, string> = { ...stringMap(item.headers, `${where}.headers`) };
    const query: Record<string, string> = { ...stringMap(item.query, `${where}.query`) };
    if (typeof item.bearer === 'string') headers.Authorization = `Bearer ${item.bearer}`;
    if (item.apiKey) {
      const { header, query: q, value } = item.apiKey;
      if (typeof value !== 'string' || (typeof header !== 'string') === (typeof q !== 'string')) throw new IdentityError(`${where}.apiKey: give "value" and one of "header" or "query".`);
      if (header) headers[header] = value;
      else query[q] = value;
    }
    const spec: IdentitySpec = { name: item.name, role, headers, query };
    if (item.login) {
      if (!item.login.body || typeof item.login.body !== 'object') throw new IdentityError(`${where}.login: "body" (the JSON the log-in operation takes) is required.`);
      Object.assign(spec, { login: item.login });
    }
    if (item.oauth2) {
      const o = item.oauth2;
      if (typeof o.tokenUrl !== 'string' || typeof o.clientId !== 'string' || !['client_credentials', 'password'].includes(o.grant)) {
        throw new IdentityError(`${where}.oauth2: "tokenUrl", "clientId" and "grant" (client_credentials or password) are required.`);
      }
      Object.assign(spec, { oauth2: o });
    }
    into.set(spec.name, spec);
  }
}

function stringMap(value: unknown, where: string): Record<string, string> {
  if (value === undefined) return {};
  if (!value || typeof value !== 'object' || Object.values(value).some((v) => typeof v !== 'string')) throw new IdentityError(`${where}: expected a map of strings.`);
  return value as Record<string, string>;
}

function expand(value: unknown, env: NodeJS.ProcessEnv, where: string): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
      const v = env[name];
      if (v === undefined) throw new IdentityError(`${where}: the environment variable ${name} is not set.`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v) => expand(v, env, where));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v, env, where)]));
  return value;
}

/** "$.data.token" or "data.token" or "$.items[0].token" → the value. */
export function jsonPath(json: unknown, path: string): unknown {
  const parts = path.replace(/^\$\.?/, '').split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '');
  let node: unknown = json;
  for (const p of parts) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[p];
  }
  return node;
}

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
    const json = (await res.json().catch(() => undefined)) as unknown;
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
