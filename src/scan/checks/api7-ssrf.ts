// API7:2023 Server Side Request Forgery: the URL of the scanner's canary server goes into every
// URL-like parameter or body property; a request arriving at the canary proves the server fetched it.
// A write that stored the canary URL is set back (api7-ssrf-restore.ts).
import { isUrlName } from '../../audit/names.ts';
import { bodyFor } from '../examples.ts';
import { isSuccess, type ScanContext } from '../context.ts';
import type { ScanOperation } from '../operations.ts';
import type { CheckInfo } from '../types.ts';
import type { Check } from './check.ts';
import { restoreAfterProbe, stateReader } from './api7-ssrf-restore.ts';

export const SSRF: CheckInfo = {
  id: 'ssrf',
  title: 'The server fetches URLs the caller chooses',
  category: 'API7:2023',
  severity: 'critical',
  cwe: 918,
  why: 'A URL in the request is fetched by the server, including addresses only the server can reach (loopback, private networks, cloud metadata): callers read internal services through it.',
  fix: 'Fetch only from an allow-list of hosts over https, resolve and refuse loopback, private and link-local addresses, do not follow redirects; at the gateway, the SSRF detector of inspect.',
};

/** How long to wait for the callback after the answer (some servers fetch in the background). */
const CALLBACK_WAIT_MS = 1500;

function urlLike(name: string, schema: Record<string, any> | undefined): boolean {
  return isUrlName(name) || schema?.format === 'uri' || schema?.format === 'url' || /avatar|image|picture|photo|icon|logo|feed/i.test(name) && schema?.type === 'string';
}

/** URL-like inputs of an operation: query parameters and top-level body properties. */
export function urlInputs(op: ScanOperation): { query: string[]; body: string[] } {
  const query = op.parameters.filter((p) => p?.in === 'query' && urlLike(String(p.name), p.schema)).map((p) => String(p.name));
  const props = (op.requestSchema?.properties ?? {}) as Record<string, any>;
  const body = Object.entries(props).filter(([name, s]) => s?.readOnly !== true && urlLike(name, s)).map(([name]) => name);
  return { query, body };
}

export const ssrfCheck: Check = {
  infos: [SSRF],
  async run(ctx) {
    if (!ctx.canary) return 'no canary server (--no-canary)';
    const who = ctx.users[0] ?? ctx.identities[0];
    for (const op of ctx.plan.spec.operations) {
      const inputs = urlInputs(op);
      if (inputs.query.length + inputs.body.length === 0) continue;
      const resolved = ctx.resolve(op, who);
      if (!resolved) continue;
      const writes = op.method !== 'GET' && op.method !== 'HEAD';
      // Writes only where the scan may write: its own account or objects, or anything with --allow-destructive.
      const selfArea = ctx.plan.self !== undefined && op.path.startsWith(`${ctx.plan.self.path}/`);
      if (writes && !(resolved.created || selfArea || ctx.plan.creates.includes(op) || ctx.settings.allowDestructive)) continue;
      ctx.test(SSRF.id, op.label);
      for (const name of [...inputs.query, ...inputs.body]) await probe(ctx, op, resolved.path, name, inputs.body.includes(name), who);
    }
    return undefined;
  },
};

async function probe(ctx: ScanContext, op: ScanOperation, path: string, name: string, inBody: boolean, who: ScanContext['identities'][number] | undefined): Promise<void> {
  const { token, url } = ctx.canary!.next();
  const base = bodyFor(op.requestSchema, op.requestExample, () => ctx.marker());
  const rest = base && typeof base === 'object' && !Array.isArray(base) ? (base as Record<string, unknown>) : undefined;
  const body = inBody ? { ...rest, [name]: url } : base;
  const query = inBody ? ctx.query(op) : ctx.query(op, { [name]: url });
  // A write may store the URL: what the object looked like first, to set it back.
  const state = op.method !== 'GET' && op.method !== 'HEAD' && !ctx.plan.creates.includes(op) ? stateReader(ctx, op, who) : undefined;
  const before = state ? await ctx.send(who, 'GET', state.path, {}, 'reads the object before the canary URL') : undefined;
  const res = await ctx.send(who, op.method, path + query, body === undefined || op.method === 'GET' ? {} : { body }, `the canary URL in "${name}"`);
  const hit = await ctx.canary!.hit(token, CALLBACK_WAIT_MS);
  const restored = state && before && isSuccess(before) ? await restoreAfterProbe(ctx, { op, path, name, inBody, who, body: rest }, state, before, url) : undefined;
  if (!hit) return;
  const callback = { request: { method: hit.method, url, headers: { 'user-agent': hit.userAgent } }, note: `the canary received ${hit.method} ${new URL(url).pathname} from ${hit.from}` };
  ctx.report(SSRF, op.label, `${op.label} fetched the canary URL given in "${name}" (the canary got ${hit.method} from ${hit.from}, user agent "${hit.userAgent}"); the API answered ${res.status}${restored ? `; ${restored}` : ''}.`, [res.exchange, callback]);
}
