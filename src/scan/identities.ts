// Who the scan acts as, as the user wrote it: static headers (API keys, bearer tokens, cookies), query
// credentials, a log-in operation of the API (body + JSON path of the token), or an OAuth2 token
// endpoint (client credentials or password grant); from --identity arguments or an identities file.
// identity.ts turns them into live credentials.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { didYouMean } from '../config/did-you-mean.ts';

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

/** The keys each part of an identities file may have: a misspelt one ("apikey", "rol") would silently drop a credential or a role. */
const KEYS = {
  file: ['identities'],
  identity: ['name', 'role', 'headers', 'query', 'bearer', 'apiKey', 'login', 'oauth2'],
  apiKey: ['header', 'query', 'value'],
  login: ['operation', 'body', 'token', 'header', 'scheme'],
  oauth2: ['tokenUrl', 'grant', 'clientId', 'clientSecret', 'username', 'password', 'scope'],
} as const;

function knownKeys(value: unknown, allowed: readonly string[], where: string): void {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return;
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    const hint = didYouMean(key, allowed);
    throw new IdentityError(`${where}: unknown key "${key}" (${hint ? `did you mean "${hint}"?` : `expected one of: ${allowed.join(', ')}`}).`);
  }
}

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
  if (!Array.isArray(doc)) knownKeys(doc, KEYS.file, file);
  const list = Array.isArray(doc) ? doc : doc?.identities;
  if (!Array.isArray(list) || list.length === 0) throw new IdentityError(`${file}: expected "identities:" with a list of identities.`);
  for (const [i, raw] of list.entries()) {
    const where = `${file}: identities[${i}]`;
    const item = expand(raw, env, where) as Record<string, any>;
    if (!item || typeof item !== 'object' || typeof item.name !== 'string' || !NAME.test(item.name)) throw new IdentityError(`${where}: "name" is required (a letter, then letters, digits, - or _).`);
    knownKeys(item, KEYS.identity, `${where} (${item.name})`);
    for (const part of ['apiKey', 'login', 'oauth2'] as const) {
      if (item[part] !== undefined && (!item[part] || typeof item[part] !== 'object' || Array.isArray(item[part]))) throw new IdentityError(`${where}.${part}: expected a map.`);
      knownKeys(item[part], KEYS[part], `${where}.${part}`);
    }
    if (item.bearer !== undefined && (typeof item.bearer !== 'string' || item.bearer === '')) throw new IdentityError(`${where}.bearer: expected the token (a string).`);
    const role = item.role ?? 'user';
    if (role !== 'user' && role !== 'admin') throw new IdentityError(`${where}: "role" is user or admin.`);
    const headers: Record<string, string> = { ...stringMap(item.headers, `${where}.headers`) };
    const query: Record<string, string> = { ...stringMap(item.query, `${where}.query`) };
    if (typeof item.bearer === 'string') headers.Authorization = `Bearer ${item.bearer}`;
    if (item.apiKey) {
      const { header, query: q, value } = item.apiKey as Record<string, unknown>;
      if (typeof value !== 'string' || (typeof header !== 'string') === (typeof q !== 'string')) throw new IdentityError(`${where}.apiKey: give "value" and one of "header" or "query".`);
      if (typeof header === 'string') headers[header] = value;
      else query[q as string] = value;
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
    if (Object.keys(headers).length + Object.keys(query).length === 0 && !spec.login && !spec.oauth2) {
      throw new IdentityError(`${where} (${spec.name}): no credential; give headers, query, bearer, apiKey, login or oauth2.`);
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
