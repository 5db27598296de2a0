// API2:2023 Broken Authentication: operations that need credentials answering without them or with
// junk or forged ones (alg none, stripped or re-signed JWTs), and a log-in without attempt limits.
// Failed credentials are few on purpose (8 at most): gateways lock out addresses after ~10 failures.
import { randomBytes } from 'node:crypto';
import { isSuccess, type ScanContext, type Seen } from '../context.ts';
import type { HttpResponse } from '../http.ts';
import { loginFields } from '../plan.ts';
import type { CheckInfo } from '../types.ts';
import { sameObject, type Check } from './check.ts';
import { forgedTokens } from './jwt-forgery.ts';

/** Forged credentials sent per scan: few, since gateways lock an address out after ~10 failures (9 here already lock the demo gateway's next scan out). */
const MAX_FORGED = 8;

export const AUTH_MISSING: CheckInfo = {
  id: 'auth-missing',
  title: 'An operation that needs credentials answers without them',
  category: 'API2:2023',
  severity: 'critical',
  cwe: 306,
  why: 'The document requires authentication, but the API answers anonymous callers: anyone can use the operation.',
  fix: 'Authenticate every operation that has a security requirement (at the gateway: auth-schemes from the document\'s security).',
};

export const AUTH_JUNK: CheckInfo = {
  id: 'auth-junk-credentials',
  title: 'Invalid or forged credentials are accepted',
  category: 'API2:2023',
  severity: 'critical',
  cwe: 287,
  why: 'A random API key, a token with "alg": "none", a token without its signature or re-signed with a guessable key is accepted: credentials are not verified.',
  fix: 'Verify every credential: look keys up in constant time, verify JWT signatures with an allow-list of algorithms (never none) and keys, and check exp, iss and aud.',
};

export const CREDENTIALS_IN_QUERY: CheckInfo = {
  id: 'credentials-in-query',
  title: 'Credentials are accepted in the query string',
  category: 'API2:2023',
  severity: 'medium',
  cwe: 598,
  why: 'The API takes an API key or token as a query parameter: URLs end up in access logs, proxies, browser histories and Referer headers, and the credential with them.',
  fix: 'Accept credentials only in headers (Authorization, or the documented API key header).',
};

export const LOGIN_NO_LIMIT: CheckInfo = {
  id: 'login-no-rate-limit',
  title: 'Unlimited log-in attempts',
  category: 'API2:2023',
  severity: 'medium',
  cwe: 307,
  why: 'Failed log-ins are never slowed down, refused with 429 or locked out: passwords can be guessed and stolen credential lists tried at full speed.',
  fix: 'Limit failed log-ins per client address and per account (429 with Retry-After, growing delays or a temporary lockout).',
};

export const authenticationCheck: Check = {
  infos: [AUTH_MISSING, AUTH_JUNK, CREDENTIALS_IN_QUERY],
  async run(ctx) {
    if (ctx.enabled(AUTH_MISSING.id)) await missing(ctx);
    if (ctx.enabled(AUTH_JUNK.id)) await junk(ctx);
    if (ctx.enabled(CREDENTIALS_IN_QUERY.id)) await inQuery(ctx);
  },
};

/** Run last: a working limit may lock the scanner's address out for a while. */
export const loginLimitCheck: Check = {
  infos: [LOGIN_NO_LIMIT],
  async run(ctx) {
    return login(ctx);
  },
};

async function missing(ctx: ScanContext): Promise<void> {
  const done = new Set<unknown>();
  for (const seen of ctx.seen) {
    const { op, res } = seen;
    if (op.method !== 'GET' || !op.secured || !seen.who || !isSuccess(res) || done.has(op)) continue;
    done.add(op);
    ctx.test(AUTH_MISSING.id, op.label);
    const anonymous = await ctx.asAnonymous(seen.path + ctx.query(op));
    if (isSuccess(anonymous) && sameObject(res, anonymous, ctx.runId)) {
      ctx.report(AUTH_MISSING, op.label, `${op.label} answered ${anonymous.status} without credentials, with what ${seen.who.name} gets.`, [anonymous.exchange]);
    }
  }
}

async function junk(ctx: ScanContext): Promise<void> {
  const who = ctx.users[0] ?? ctx.identities[0];
  const target = ctx.seen.find((s) => s.who === who && s.op.method === 'GET' && s.op.secured && isSuccess(s.res) && s.op === ctx.plan.self) ??
    ctx.seen.find((s) => s.who === who && s.op.method === 'GET' && s.op.secured && isSuccess(s.res));
  if (!who || !target) return ctx.cannotTest(AUTH_JUNK.id, 'no secured read answered the first user');
  const url = target.path + ctx.query(target.op);
  const headers = await who.headers();
  const variants: [string, Record<string, string>][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (/^authorization$/i.test(name) && /^bearer\s/i.test(value)) continue; // tokens: below
    variants.push([`a random ${name}`, { ...headers, [name]: randomLike(value) }]);
  }
  const token = who.token;
  const forged = token ? forgedTokens(token) : [];
  if (forged.length > 0) variants.push(...forged.map(([what, t]): [string, Record<string, string>] => [what, bearer(headers, t)]));
  else if (token) variants.push(['a random bearer token', bearer(headers, randomLike(token))]);
  // Forged credentials prove nothing when the operation answers anonymous callers too (auth-missing).
  const anonymous = await ctx.asAnonymous(url);
  if (anonymous.status !== 401 && anonymous.status !== 403) return ctx.cannotTest(AUTH_JUNK.id, `${target.op.label} answers anonymous callers too (${anonymous.status})`);
  ctx.test(AUTH_JUNK.id, target.op.label);
  const accepted: [string, HttpResponse][] = [];
  for (const [what, h] of variants.slice(0, MAX_FORGED)) {
    const res = await ctx.client.send('GET', withQuery(url, who.query()), { headers: h }, `${who.name}'s request with ${what}`);
    if (isSuccess(res) && sameObject(target.res, res, ctx.runId)) accepted.push([what, res]);
  }
  if (accepted.length === 0) return;
  const whats = accepted.map(([what]) => what).join('; ');
  ctx.report(AUTH_JUNK, target.op.label, `${target.op.label} answers 401 without credentials but accepted ${whats} (${accepted[0]![1].status}).`, accepted.slice(0, 3).map(([, res]) => res.exchange));
}

const QUERY_NAMES = ['api_key', 'apikey', 'key', 'access_token', 'token'];

/** Operations tried as the baseline of the query-credential probe, at most. */
const MAX_QUERY_TARGETS = 3;

/**
 * The first user's credential as a query parameter, without any header, on an operation it can call
 * and that answers anonymous callers differently (else any answer looks like "accepted").
 */
async function inQuery(ctx: ScanContext): Promise<void> {
  const who = ctx.users[0] ?? ctx.identities[0];
  const mine = ctx.seen.filter((s) => s.who === who && s.op.method === 'GET' && s.op.secured && isSuccess(s.res));
  const candidates: Seen[] = [];
  for (const s of [...mine.filter((x) => x.op === ctx.plan.self), ...mine]) if (!candidates.some((c) => c.op === s.op)) candidates.push(s);
  candidates.splice(MAX_QUERY_TARGETS);
  if (!who || candidates.length === 0) return ctx.cannotTest(CREDENTIALS_IN_QUERY.id, 'no secured read answered the first user');
  const headers = await who.headers();
  const entries = Object.entries(headers);
  if (entries.length !== 1) return ctx.cannotTest(CREDENTIALS_IN_QUERY.id, `${who.name} sends ${entries.length} credential headers: nothing clear to move`);
  for (const target of candidates) {
    const url = target.path + ctx.query(target.op);
    const anonymous = await ctx.asAnonymous(url);
    if (sameObject(target.res, anonymous, ctx.runId)) {
      ctx.cannotTest(CREDENTIALS_IN_QUERY.id, `${target.op.label} answers anonymous callers the same (${anonymous.status})`);
      continue;
    }
    await queryProbe(ctx, target, url, entries[0]!, anonymous);
    return;
  }
}

async function queryProbe(ctx: ScanContext, target: Seen, url: string, [name, raw]: [string, string], anonymous: HttpResponse): Promise<void> {
  const who = target.who!;
  const value = /^authorization$/i.test(name) ? raw.replace(/^bearer\s+/i, '') : raw;
  const names = [...new Set([name.toLowerCase(), name.toLowerCase().replace(/-/g, '_'), ...QUERY_NAMES])].filter((n) => !/^authorization$/.test(n));
  ctx.test(CREDENTIALS_IN_QUERY.id, target.op.label);
  for (const q of names) {
    const res = await ctx.client.send('GET', `${url}${url.includes('?') ? '&' : '?'}${q}=${encodeURIComponent(value)}`, {}, `${who.name}'s credential in the query parameter ${q}`);
    // What the identity gets, and not what anyone gets.
    if (isSuccess(res) && sameObject(target.res, res, ctx.runId) && !sameObject(anonymous, res, ctx.runId)) {
      ctx.report(CREDENTIALS_IN_QUERY, target.op.label, `${target.op.label} accepted ${who.name}'s credential as the query parameter "${q}" (${res.status}); without it the answer is ${anonymous.status}.`, [res.exchange, anonymous.exchange]);
      return;
    }
  }
}

function bearer(headers: Record<string, string>, token: string): Record<string, string> {
  const name = Object.keys(headers).find((h) => /^authorization$/i.test(h)) ?? 'Authorization';
  return { ...headers, [name]: `Bearer ${token}` };
}

function withQuery(url: string, q: string): string {
  return q ? `${url}${url.includes('?') ? '&' : '?'}${q}` : url;
}

/** A value of the same shape (prefix kept, the rest random): passes format checks, fails verification. */
function randomLike(value: string): string {
  const keep = Math.min(value.length >> 1, value.lastIndexOf('_') + 1 || 0);
  const rest = randomBytes(Math.max(8, value.length)).toString('hex').slice(0, Math.max(8, value.length - keep));
  return `${value.slice(0, keep)}${rest}`;
}

async function login(ctx: ScanContext): Promise<string | void> {
  const op = ctx.plan.login;
  if (!op) return 'no log-in operation in the document';
  const fields = loginFields(op);
  if (!fields.user || !fields.password) return `cannot tell the user and password fields of ${op.label}`;
  ctx.test(LOGIN_NO_LIMIT.id, op.label);
  const known = ctx.identities.map((i) => i.credentials).find((c) => c.user && c.password);
  const example = op.requestExample as Record<string, unknown> | undefined;
  const user = known?.user ?? (typeof example?.[fields.user] === 'string' ? (example[fields.user] as string) : undefined) ?? ctx.users[0]?.username ?? `pcs-${ctx.runId}`;
  const attempts: HttpResponse[] = [];
  for (let i = 0; i < ctx.settings.burst; i++) {
    const body = { ...(example ?? {}), [fields.user]: user, [fields.password]: `pcs-wrong-${ctx.runId}-${i}` };
    const res = await ctx.send(undefined, 'POST', op.fullPath, { body, limitProbe: true }, `failed log-in ${i + 1} of ${ctx.settings.burst}`);
    attempts.push(res);
    if (limited(res)) return;
    if (i === 0 && res.status !== 401 && res.status !== 403) return; // not a clean "wrong password": inconclusive
  }
  let tail = '';
  if (known) {
    const ok = await ctx.send(undefined, 'POST', op.fullPath, { body: { ...(example ?? {}), [fields.user]: known.user, [fields.password]: known.password }, limitProbe: true }, 'the right password after the failures');
    if (limited(ok)) return;
    if (isSuccess(ok)) tail = '; the right password still works right after (no lockout)';
  }
  const statuses = [...new Set(attempts.map((a) => a.status))].join(', ');
  ctx.report(LOGIN_NO_LIMIT, op.label, `${attempts.length} failed log-ins for "${user}" in a row all answered ${statuses}, none 429 or with Retry-After${tail}.`, [attempts[0]!.exchange, attempts.at(-1)!.exchange]);
}

function limited(res: HttpResponse): boolean {
  return res.status === 429 || res.status === 423 || res.status === 503 || res.headers['retry-after'] !== undefined;
}
