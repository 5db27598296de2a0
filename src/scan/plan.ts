// The scan plan, read from the document: which operations create objects (producers), which ones read,
// change or delete them (consumers), where each path parameter's value comes from, the caller's own
// account ("self") and the log-in operation.
import { words } from '../audit/names.ts';
import type { ScanOperation, ScanSpec } from './operations.ts';

export type ValueSource =
  /** The caller's own id, from the self operation (GET /me). */
  | { kind: 'self' }
  /** Ids of objects a create operation returned. */
  | { kind: 'created'; producer: ScanOperation }
  /** Ids found in the items of a list operation of the same resource. */
  | { kind: 'listed'; producer: ScanOperation }
  | { kind: 'example' };

export interface Plan {
  readonly spec: ScanSpec;
  /** POSTs to a collection whose items have their own path (POST /orders → /orders/{orderId}). */
  readonly creates: readonly ScanOperation[];
  /** Consumers of each create: operations on its items. */
  readonly consumers: ReadonlyMap<ScanOperation, readonly ScanOperation[]>;
  /** For each operation, where each path parameter's values come from, best first. */
  readonly sources: ReadonlyMap<ScanOperation, ReadonlyMap<string, readonly ValueSource[]>>;
  /** GET /me and the like: the caller's account, with an id. */
  readonly self?: ScanOperation;
  readonly login?: ScanOperation;
  readonly reads: readonly ScanOperation[];
}

const SELF_SEGMENTS = new Set(['me', 'self', 'whoami', 'current', 'currentuser', 'account', 'myself']);
const USER_COLLECTIONS = new Set(['users', 'accounts', 'members', 'customers', 'profiles', 'people', 'user', 'account']);
const LOGIN_WORDS = new Set(['login', 'logon', 'signin', 'authenticate', 'session', 'sessions', 'token']);

/** "/users/{userId}/notes/{noteId}" → "/users/{userId}/notes" for the parameter noteId. */
export function collectionOf(path: string, param: string): string | undefined {
  const at = path.indexOf(`/{${param}}`);
  return at > 0 ? path.slice(0, at) : undefined;
}

/** The last static segment of a path: /me/orders → orders. */
export function resourceName(path: string): string {
  return path.split('/').filter((s) => s && !s.startsWith('{')).at(-1)?.toLowerCase() ?? '';
}

export function buildPlan(spec: ScanSpec): Plan {
  const ops = spec.operations;
  const creates = ops.filter((op) => op.method === 'POST' && !op.path.endsWith('}') && ops.some((o) => o.path.startsWith(`${op.path}/{`) && o.path.indexOf('/', op.path.length + 1) === -1));
  const consumers = new Map(creates.map((c) => [c, ops.filter((o) => o.path.startsWith(`${c.path}/{`) && o.path.indexOf('/', c.path.length + 1) === -1)]));
  const self = ops.find((op) => op.method === 'GET' && op.pathParams.length === 0 && !op.deprecated && SELF_SEGMENTS.has(resourceName(op.path)) && hasId(op.responseSchema));
  const login = ops.find((op) => op.method === 'POST' && isLogin(op));
  const lists = ops.filter((op) => op.method === 'GET' && !op.path.endsWith('}'));
  const sources = new Map<ScanOperation, Map<string, ValueSource[]>>();
  for (const op of ops) {
    const byParam = new Map<string, ValueSource[]>();
    for (const param of op.pathParams) {
      const collection = collectionOf(op.path, param) ?? '';
      const name = resourceName(collection);
      const found: ValueSource[] = [];
      for (const c of creates) if (c.path === collection) found.push({ kind: 'created', producer: c });
      if (self && USER_COLLECTIONS.has(name)) found.push({ kind: 'self' });
      for (const l of lists) if (resourceName(l.path) === name && l.pathParams.length === 0) found.push({ kind: 'listed', producer: l });
      found.push({ kind: 'example' });
      byParam.set(param, found);
    }
    sources.set(op, byParam);
  }
  const reads = ops.filter((op) => op.method === 'GET');
  return { spec, creates, consumers, sources, ...(self ? { self } : {}), ...(login ? { login } : {}), reads };
}

function hasId(schema: Record<string, any> | undefined): boolean {
  return Boolean(schema?.properties && 'id' in schema.properties) || Boolean(schema?.allOf?.some((s: any) => s?.properties && 'id' in s.properties));
}

/** A POST that takes a password (or client secret) and answers with a token: log in. */
export function isLogin(op: ScanOperation): boolean {
  const segs = op.path.split('/').flatMap((s) => words(s));
  const named = segs.some((w) => LOGIN_WORDS.has(w)) || /log-?in|sign-?in/i.test(op.path) || /^(login|signin|logon)/i.test(op.operationId);
  const props = Object.keys(op.requestSchema?.properties ?? {}).map((p) => p.toLowerCase());
  return named && props.some((p) => p.includes('password') || p === 'client_secret');
}

/** The field names of a login body: which one takes the user name and which one the password. */
export function loginFields(op: ScanOperation): { user?: string; password?: string } {
  const props = Object.keys(op.requestSchema?.properties ?? {});
  const password = props.find((p) => /pass(word)?|secret/i.test(p));
  const user = props.find((p) => /^(user(name)?|login|email|user_?id|client_?id|account)$/i.test(p)) ?? props.find((p) => p !== password);
  return { ...(user ? { user } : {}), ...(password ? { password } : {}) };
}

/** Items of a list response: the array itself, or the first array property (items, data, results...). */
export function itemsOf(json: unknown): unknown[] | undefined {
  if (Array.isArray(json)) return json;
  if (json === null || typeof json !== 'object') return undefined;
  for (const key of ['items', 'data', 'results', 'content', 'records', 'entries']) {
    const v = (json as Record<string, unknown>)[key];
    if (Array.isArray(v)) return v;
  }
  return Object.values(json).find(Array.isArray) as unknown[] | undefined;
}

/** The id of an object in a response: `id`, or the parameter's own name (orderId), or `uuid`. */
export function idOf(json: unknown, param?: string): string | undefined {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const o = json as Record<string, unknown>;
  for (const key of [param, 'id', 'uuid', '_id'].filter((k): k is string => Boolean(k))) {
    const v = o[key];
    if (typeof v === 'string' || typeof v === 'number') return String(v);
  }
  return undefined;
}
