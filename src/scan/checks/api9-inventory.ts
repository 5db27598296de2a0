// API9:2023 Improper Inventory Management: undocumented endpoints that answer (a bounded list of the
// usual debug, admin, metrics and API description paths, at the root and under the base path) and
// other versions of the API still deployed (/api/v1 next to a documented /api/v2), tried anonymously,
// then with the first user's credentials, then with them in the query string.
import { secretKind } from '../../audit/names.ts';
import { isSuccess, type ScanContext } from '../context.ts';
import type { HttpResponse } from '../http.ts';
import type { Identity } from '../identity.ts';
import type { CheckInfo } from '../types.ts';
import type { Check } from './check.ts';

export const SHADOW: CheckInfo = {
  id: 'shadow-endpoint',
  title: 'An undocumented endpoint answers',
  category: 'API9:2023',
  severity: 'medium',
  cwe: 1059,
  why: 'An endpoint that is in no document is in no review, no test and no gateway rule: debug, admin and metrics endpoints left behind leak configuration and data.',
  fix: 'Remove it, or document it and protect it like the rest; at the gateway, route only documented operations (404 for the rest).',
};

export const ZOMBIE: CheckInfo = {
  id: 'zombie-version',
  title: 'An old version of the API is still deployed',
  category: 'API9:2023',
  severity: 'high',
  cwe: 1059,
  why: 'Older versions keep their old flaws (and often weaker authentication) after the new one fixed them: attackers go there first.',
  fix: 'Retire old versions (410 Gone), or keep them documented, patched and behind the same gateway rules.',
};

export const UNDOCUMENTED_METHOD: CheckInfo = {
  id: 'undocumented-method',
  title: 'A documented path answers a method the document does not list',
  category: 'API9:2023',
  severity: 'medium',
  cwe: 1059,
  why: 'GET on a path documented only for POST (or the like) answers: an operation nobody reviews, often a listing of everything.',
  fix: 'Answer 405 for methods that are not documented; at the gateway, the router does.',
};

/** Common undocumented paths; tried at the root and under the base path. */
export const SHADOW_PATHS = [
  'debug', 'debug/config', 'debug/vars', 'debug/pprof/', 'config', 'env', '.env', 'admin', 'console', 'internal', 'status', 'metrics',
  'actuator', 'actuator/env', 'actuator/health', 'swagger.json', 'openapi.json', 'openapi.yaml', 'api-docs', 'v2/api-docs', 'v3/api-docs', 'swagger-ui.html',
  'graphql', '.git/config', 'server-status', 'phpinfo.php', 'test', 'backup',
];

const QUERY_CREDENTIAL_NAMES = ['api_key', 'apikey', 'key', 'access_token', 'token'];

function templateRegex(fullPath: string): RegExp {
  const escaped = fullPath.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+');
  return new RegExp(`^${escaped}/?$`);
}

/** How the target answers a path that cannot exist (to tell a real answer from a catch-all one). */
async function fingerprint(ctx: ScanContext, prefix: string): Promise<string> {
  const res = await ctx.client.send('GET', `${prefix}/pcs-${ctx.runId}-no-such-path`, {}, 'a path that does not exist');
  return signature(res);
}

function signature(res: HttpResponse): string {
  return `${res.status}:${Math.round(res.text.length / 100)}`;
}

function sensitive(json: unknown, depth = 0): string[] {
  if (depth > 5 || json === null || typeof json !== 'object') return [];
  if (Array.isArray(json)) return json.slice(0, 10).flatMap((v) => sensitive(v, depth + 1));
  return Object.entries(json).flatMap(([k, v]) => (secretKind(k) ? [k] : sensitive(v, depth + 1)));
}

export const inventoryCheck: Check = {
  infos: [SHADOW, ZOMBIE, UNDOCUMENTED_METHOD],
  async run(ctx) {
    const documented = ctx.plan.spec.operations.filter((o) => o.method === 'GET').map((o) => templateRegex(o.fullPath));
    const base = ctx.plan.spec.basePath;
    const prefixes = base ? ['', base] : [''];
    for (const prefix of ctx.enabled(SHADOW.id) ? prefixes : []) {
      const notFound = await fingerprint(ctx, prefix);
      for (const word of SHADOW_PATHS) {
        const path = `${prefix}/${word}`;
        if (documented.some((r) => r.test(path))) continue;
        ctx.test(SHADOW.id, `GET ${path}`);
        const res = await ctx.client.send('GET', path, {}, 'an undocumented path');
        if (!isSuccess(res) || signature(res) === notFound) continue;
        const secrets = [...new Set(sensitive(res.json))];
        const what = secrets.length ? `, with ${secrets.slice(0, 6).join(', ')}` : '';
        ctx.report(SHADOW, `GET ${path}`, `GET ${path} is in no document but answers ${res.status} without credentials${what}.`, [res.exchange], 'confirmed', secrets.length ? 'critical' : SHADOW.severity);
      }
    }
    if (ctx.enabled(ZOMBIE.id)) await zombies(ctx);
    if (ctx.enabled(UNDOCUMENTED_METHOD.id)) await undocumentedMethods(ctx);
  },
};

/** GET (the only method that is safe to try) on documented paths that do not document it. */
async function undocumentedMethods(ctx: ScanContext): Promise<void> {
  const ops = ctx.plan.spec.operations;
  const who = ctx.users[0];
  const paths = [...new Set(ops.map((o) => o.path))].filter((p) => !ops.some((o) => o.path === p && o.method === 'GET'));
  for (const path of paths) {
    const op = ops.find((o) => o.path === path)!;
    const resolved = ctx.resolve(op, who);
    if (!resolved) continue;
    const label = `GET ${op.fullPath}`;
    ctx.test(UNDOCUMENTED_METHOD.id, label);
    const res = await ctx.send(op.secured ? who : undefined, 'GET', resolved.path, {}, 'a method the document does not list');
    if (!isSuccess(res)) continue;
    const secrets = [...new Set(sensitive(res.json))];
    const what = secrets.length ? `, with ${secrets.slice(0, 6).join(', ')}` : '';
    ctx.report(UNDOCUMENTED_METHOD, label, `${label} is not in the document (only ${ops.filter((o) => o.path === path).map((o) => o.method).join(', ')}) but answers ${res.status}${what}.`, [res.exchange], 'confirmed', secrets.length ? 'high' : UNDOCUMENTED_METHOD.severity);
  }
}

/** /api/v2 → /api/v1 (and v0): the documented reads at the older base paths. */
export function olderBasePaths(base: string): string[] {
  const m = /^(.*\/v)(\d+)((?:\.\d+)?)$/.exec(base);
  if (!m) return [];
  const n = Number(m[2]);
  const out: string[] = [];
  for (let v = n - 1; v >= Math.max(0, n - 2); v--) out.push(`${m[1]}${v}`);
  return out;
}

async function zombies(ctx: ScanContext): Promise<void> {
  const base = ctx.plan.spec.basePath;
  const who = ctx.users[0];
  for (const old of olderBasePaths(base)) {
    const notFound = await fingerprint(ctx, old);
    for (const op of ctx.plan.reads) {
      const resolved = ctx.resolve(op, who);
      if (!resolved || op.path === ctx.plan.self?.path) continue;
      const path = `${old}${resolved.path.slice(base.length)}`;
      const label = `GET ${old}${op.path}`;
      ctx.test(ZOMBIE.id, label);
      const res = await ctx.client.send('GET', path + ctx.query(op), {}, 'the same read on the old version, anonymously');
      if (signature(res) === notFound || res.status === 404 || res.status === 405) continue;
      if (isSuccess(res)) {
        report(ctx, label, res, 'without credentials');
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        for (const user of ctx.users) if (await withCredentials(ctx, user, label, path + ctx.query(op))) break;
      }
    }
  }
}

/** True when the old version answered with the identity's credentials (in headers or in the query). */
async function withCredentials(ctx: ScanContext, who: Identity, label: string, url: string): Promise<boolean> {
  const res = await ctx.send(who, 'GET', url, {}, `the old version with ${who.name}'s credentials`);
  if (isSuccess(res)) return report(ctx, label, res, `with ${who.name}'s credentials`);
  // Old versions often took keys in the URL: try the identity's credential as a query parameter.
  const headers = await who.headers();
  const secret = Object.entries(headers).map(([k, v]) => (/^authorization$/i.test(k) ? v.replace(/^\w+\s+/, '') : v))[0];
  if (!secret) return false;
  for (const name of QUERY_CREDENTIAL_NAMES) {
    const q = await ctx.client.send('GET', `${url}${url.includes('?') ? '&' : '?'}${name}=${encodeURIComponent(secret)}`, {}, `${who.name}'s credential in the query parameter ${name}`);
    if (isSuccess(q)) return report(ctx, label, q, `with ${who.name}'s credential in the query string (${name}=...), where logs and browser histories keep it`);
  }
  return false;
}

function report(ctx: ScanContext, label: string, res: HttpResponse, how: string): true {
  const secrets = [...new Set(sensitive(res.json))];
  const what = secrets.length ? `, with ${secrets.slice(0, 6).join(', ')}` : '';
  ctx.report(ZOMBIE, label, `${label} (an older version than the documented ${ctx.plan.spec.basePath}) answers ${res.status} ${how}${what}.`, [res.exchange], 'confirmed', secrets.length ? 'critical' : ZOMBIE.severity);
  return true;
}
