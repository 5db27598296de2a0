// Name vocabularies the rules share: how a field, parameter or operation name reads once camelCase,
// snake_case and kebab-case are split into lower-case words.
import type { AuditOperation } from './model.ts';

const wordCache = new Map<string, readonly string[]>();

/** "redirect_URI" → ["redirect", "uri"]; "passwordHash" → ["password", "hash"]. */
export function words(name: string): readonly string[] {
  let cached = wordCache.get(name);
  if (cached) return cached;
  cached = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
  if (wordCache.size > 50_000) wordCache.clear(); // names repeat a lot within a document; keep memory bounded
  wordCache.set(name, cached);
  return cached;
}

/** Caches a per-operation answer: rules ask the same question for every schema an operation reaches. */
function perOperation(fn: (op: AuditOperation) => boolean): (op: AuditOperation) => boolean {
  const cache = new WeakMap<AuditOperation, boolean>();
  return (op) => {
    let v = cache.get(op);
    if (v === undefined) cache.set(op, (v = fn(op)));
    return v;
  };
}

/** "redirect_URI" → "redirecturi" */
export function squash(name: string): string {
  return words(name).join('');
}

const ADMIN_SEGMENTS = new Set(['admin', 'admins', 'administration', 'administrator', 'internal', 'management', 'manage', 'backoffice', 'sudo', 'superuser', 'staff', 'ops']);

/** Operations of an administrative surface: a path segment or a tag such as admin, internal, management. */
export const isAdminOperation = perOperation((op: AuditOperation): boolean => {
  for (const segment of op.path.split('/')) if (ADMIN_SEGMENTS.has(segment.toLowerCase())) return true;
  const tags: unknown = op.node.tags;
  return Array.isArray(tags) && tags.some((t) => typeof t === 'string' && ADMIN_SEGMENTS.has(t.toLowerCase()));
});

const AUTH_WORDS = new Set(['login', 'logon', 'signin', 'signup', 'register', 'registration', 'token', 'tokens', 'oauth', 'oauth2', 'auth', 'authenticate', 'authorize', 'session', 'sessions', 'password', 'passwords', 'reset', 'forgot', 'refresh', 'otp', 'mfa', 'verify', 'callback', 'sso', 'saml', 'oidc', 'jwks', 'openid']);

/** Operations of the authentication flow (log in, sign up, tokens, password reset): public by nature. */
export const isAuthOperation = perOperation((op: AuditOperation): boolean => {
  const segments = op.path.split('/').flatMap((s) => words(s.replace(/[{}]/g, '')));
  if (segments.some((w) => AUTH_WORDS.has(w)) || /sign-?(in|up)|log-?in/i.test(op.path)) return true;
  const idWords = words(op.operationId);
  return idWords[0] !== undefined && ['login', 'logon', 'signin', 'signup', 'register', 'authenticate', 'logout'].includes(idWords.join('').replace(/^(post|create)/, ''));
});

const PROBE_SEGMENTS = new Set(['health', 'healthz', 'healthcheck', 'livez', 'readyz', 'live', 'ready', 'liveness', 'readiness', 'ping', '.well-known', 'status', 'version']);

/** Liveness, readiness and discovery endpoints: public by nature. */
export function isProbeOperation(op: AuditOperation): boolean {
  const segments = op.path.split('/').filter(Boolean);
  return segments.length > 0 && segments.length <= 2 && PROBE_SEGMENTS.has(segments[0]!.toLowerCase());
}

/** Fields whose value lets the holder act as someone (passwords, keys, card data): never in a response. */
const ALWAYS_SECRET = ['password', 'passwd', 'passphrase', 'passwordhash', 'hashedpassword', 'passwordsalt', 'salt', 'privatekey', 'ssn', 'socialsecuritynumber', 'cardnumber', 'creditcardnumber', 'creditcard', 'pan', 'cvv', 'cvv2', 'cvc', 'pin', 'securityanswer', 'secretanswer', 'totpsecret', 'mfasecret', 'otpsecret', 'recoverycodes'];
/** Credentials an API hands out once (log in, key or client creation); anywhere else a leak. */
const ISSUED_SECRET = ['token', 'accesstoken', 'refreshtoken', 'idtoken', 'sessiontoken', 'sessionid', 'apikey', 'apisecret', 'secret', 'clientsecret', 'secretkey', 'accesskey', 'signingkey', 'webhooksecret'];

export type SecretKind = 'always' | 'issued';

export function secretKind(name: string): SecretKind | undefined {
  const s = squash(name);
  if (s.length === 0) return undefined;
  if (ALWAYS_SECRET.includes(s) || ['password', 'passwordhash', 'ssn', 'cardnumber', 'cvv', 'privatekey'].some((suffix) => s.endsWith(suffix) && s.length > suffix.length)) return 'always';
  if (ISSUED_SECRET.includes(s) || ['accesstoken', 'refreshtoken', 'apikey', 'secret'].some((suffix) => s.endsWith(suffix))) return 'issued';
  return undefined;
}

/**
 * Responses that may carry an issued credential: POSTs of the authentication flow (log in, token) and
 * creation of keys, tokens, clients or webhooks, which show a secret once.
 */
export const mayIssueCredentials = perOperation((op: AuditOperation): boolean => {
  if (op.method !== 'POST') return false;
  if (isAuthOperation(op)) return true;
  const last = op.path.split('/').filter(Boolean).at(-1) ?? '';
  return /^(keys?|api-?keys?|tokens?|credentials?|secrets?|clients?|apps?|applications?|webhooks?|sessions?)$/i.test(last);
});

/** Credentials in a URL (query or path parameter names); page tokens are not credentials. */
export function isCredentialName(name: string): boolean {
  const s = squash(name);
  if (/^(page|next|prev|previous|continuation|cursor|sync|resume|start)token$/.test(s)) return false;
  return /(clientsecret|accesstoken|refreshtoken|idtoken|token|password|passwd|secret|apikey|sessionid|privatekey)/.test(s) || /^(key|auth|authorization|sig|signature|jwt)$/.test(s);
}

/** Properties only the server should set: privileges, money, ownership, verification state. */
const PRIVILEGED = ['role', 'roles', 'isadmin', 'admin', 'issuperuser', 'superuser', 'isstaff', 'permission', 'permissions', 'privilege', 'privileges', 'balance', 'accountbalance', 'credit', 'credits', 'creditlimit', 'ownerid', 'verified', 'isverified', 'emailverified', 'phoneverified', 'approved', 'isapproved', 'kycstatus', 'accesslevel', 'usertype', 'accounttype', 'quota', 'ratelimit'];
/** Properties the server assigns: identifiers and timestamps. */
const SERVER_ASSIGNED = ['id', 'uuid', 'createdat', 'updatedat', 'deletedat', 'modifiedat', 'createdby', 'updatedby', 'createdon', 'updatedon', 'creationdate', 'lastmodified'];

export function isPrivilegedField(name: string): boolean {
  return PRIVILEGED.includes(squash(name));
}

export function isServerAssignedField(name: string): boolean {
  return SERVER_ASSIGNED.includes(squash(name));
}

/** Parameters or fields that name a URL the server will fetch or redirect to (SSRF, open redirect). */
export function isUrlName(name: string): boolean {
  const w = words(name);
  if (w.length === 0) return false;
  const last = w.at(-1)!;
  if (['url', 'urls', 'uri', 'uris', 'href', 'callback', 'webhook', 'webhooks', 'redirect'].includes(last)) return true;
  if (w[0] === 'redirect' || w[0] === 'callback' || w[0] === 'webhook') return true;
  return ['returnto', 'next', 'continue', 'goto', 'dest', 'destination', 'redirectto', 'forward', 'proxy', 'feed', 'target'].includes(w.join(''));
}

/** Path parameters that identify an object: id, userId, user_id, order-id. */
export function isIdName(name: string): boolean {
  const w = words(name);
  return w.at(-1) === 'id' || w.at(-1) === 'ids';
}

export const LIMIT_PARAMS = new Set(['limit', 'perpage', 'pagesize', 'size', 'count', 'top', 'first', 'last', 'max', 'maxresults', 'pagelimit', 'take']);
export const PAGE_PARAMS = new Set(['page', 'offset', 'cursor', 'skip', 'after', 'before', 'pagetoken', 'nexttoken', 'start', 'from', 'pagenumber', 'marker', 'continuationtoken']);
