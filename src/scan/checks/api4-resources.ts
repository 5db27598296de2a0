// API4:2023 Unrestricted Resource Consumption: page sizes above the documented maximum accepted, and
// operations that document a 429 but never send one under a bounded burst.
import { LIMIT_PARAMS, squash } from '../../audit/names.ts';
import { isSuccess, type ScanContext } from '../context.ts';
import type { ScanOperation } from '../operations.ts';
import { bodyFor, freeText } from '../examples.ts';
import { idOf, isLogin, itemsOf } from '../plan.ts';
import type { CheckInfo } from '../types.ts';
import type { Check } from './check.ts';

export const PAGE_SIZE: CheckInfo = {
  id: 'page-size-unbounded',
  title: 'Page sizes above the documented maximum are accepted',
  category: 'API4:2023',
  severity: 'low',
  cwe: 770,
  why: 'A list operation answers with more items than its documented maximum: one request can dump a whole table and tie up the database and the network.',
  fix: 'Enforce the maximum of the page-size parameter (400 above it, or clamp); at the gateway, request validation enforces the schema\'s maximum.',
};

export const NO_RATE_LIMIT: CheckInfo = {
  id: 'rate-limit-missing',
  title: 'No 429 under a burst, although the document promises one',
  category: 'API4:2023',
  severity: 'medium',
  cwe: 770,
  why: 'The operation documents 429 Too Many Requests but a burst of requests is never limited: its cost is not bounded per client.',
  fix: 'Rate-limit the operation per client (and per consumer once authenticated), answering 429 with Retry-After.',
};

export const OVERSIZED: CheckInfo = {
  id: 'oversized-input',
  title: 'Strings far above their documented maxLength are accepted',
  category: 'API4:2023',
  severity: 'low',
  cwe: 770,
  why: 'A create operation stores a string ten times longer than its schema allows: storage, memory and every later read grow without bound.',
  fix: 'Enforce maxLength (and maxItems, maxProperties) on input; at the gateway, request validation refuses oversized values.',
};

/** The longest string sent (the scan stays light on the target). */
const OVERSIZED_MAX = 65_536;

export const resourcesCheck: Check = {
  infos: [PAGE_SIZE, NO_RATE_LIMIT, OVERSIZED],
  async run(ctx) {
    if (ctx.enabled(OVERSIZED.id)) for (const op of ctx.plan.creates) await oversized(ctx, op);
    if (ctx.enabled(PAGE_SIZE.id)) for (const op of ctx.plan.reads) await pageSize(ctx, op);
    if (ctx.enabled(NO_RATE_LIMIT.id)) for (const op of ctx.plan.reads) if (Object.hasOwn(op.responses, '429') && !isLogin(op)) await burst(ctx, op);
  },
};

/** The page-size parameter of an operation and its documented maximum. */
export function pageSizeParam(op: ScanOperation): { name: string; maximum: number } | undefined {
  for (const p of op.parameters) {
    if (p?.in !== 'query' || !LIMIT_PARAMS.has(squash(String(p.name)))) continue;
    const maximum = p.schema?.maximum ?? p.maximum;
    if (typeof maximum === 'number') return { name: p.name, maximum };
  }
  return undefined;
}

async function pageSize(ctx: ScanContext, op: ScanOperation): Promise<void> {
  const param = pageSizeParam(op);
  const seen = param ? ctx.seenFor(op) : undefined;
  if (!param || !seen) return;
  ctx.test(PAGE_SIZE.id, op.label);
  const asked = Math.max(param.maximum * 10, 1000);
  const res = await ctx.send(seen.who, 'GET', seen.path + ctx.query(op, { [param.name]: String(asked) }), {}, `a page of ${asked}`);
  if (!isSuccess(res)) return;
  const items = itemsOf(res.json)?.length ?? 0;
  const echoed = (res.json as Record<string, unknown> | undefined)?.[param.name];
  if (items > param.maximum || (typeof echoed === 'number' && echoed > param.maximum)) {
    const got = items > param.maximum ? `${items} items` : `"${param.name}": ${echoed}`;
    ctx.report(PAGE_SIZE, op.label, `${op.label}?${param.name}=${asked} answered ${res.status} with ${got}; the documented maximum is ${param.maximum}.`, [res.exchange]);
  }
}

/** One free-text property of a create operation, ten times its maxLength; a 2xx means it was stored. */
async function oversized(ctx: ScanContext, op: ScanOperation): Promise<void> {
  const who = ctx.users[0] ?? ctx.identities[0];
  const resolved = ctx.resolve(op, who);
  if (!resolved || (op.pathParams.length > 0 && !resolved.owned)) return;
  const props = Object.entries((op.requestSchema?.properties ?? {}) as Record<string, any>);
  const target = props.find(([, s]) => freeText(s) && typeof s.maxLength === 'number' && s.maxLength > 0 && s.maxLength * 10 <= OVERSIZED_MAX);
  if (!target) return;
  const [name, schema] = target;
  ctx.test(OVERSIZED.id, op.label);
  const base = bodyFor(op.requestSchema, op.requestExample, () => ctx.marker());
  const size = schema.maxLength * 10;
  const value = `${ctx.marker()}-`.padEnd(size, 'A');
  const res = await ctx.send(who, 'POST', resolved.path, { body: { ...(base && typeof base === 'object' ? base : {}), [name]: value } }, `"${name}" of ${size} characters (maxLength ${schema.maxLength})`);
  if (!isSuccess(res)) return;
  const item = ctx.plan.consumers.get(op)?.[0];
  const id = idOf(res.json, item?.pathParams.at(-1));
  if (item && who && id !== undefined) ctx.remember(who, item.path, `${resolved.path.slice(ctx.plan.spec.basePath.length)}/${encodeURIComponent(id)}`);
  ctx.report(OVERSIZED, op.label, `${op.label} accepted "${name}" of ${size} characters (maxLength ${schema.maxLength}) with ${res.status}.`, [res.exchange]);
}

async function burst(ctx: ScanContext, op: ScanOperation): Promise<void> {
  const seen = ctx.seenFor(op);
  if (!seen) return;
  ctx.test(NO_RATE_LIMIT.id, op.label);
  let last;
  for (let i = 0; i < ctx.settings.burst; i++) {
    last = await ctx.send(seen.who, 'GET', seen.path + ctx.query(op), { limitProbe: true }, `request ${i + 1} of a burst of ${ctx.settings.burst}`);
    if (last.status === 429 || last.headers['retry-after'] !== undefined) return;
  }
  if (last) ctx.report(NO_RATE_LIMIT, op.label, `${ctx.settings.burst} requests in a row to ${op.label} were all answered, none with 429.`, [last.exchange], 'firm');
}
