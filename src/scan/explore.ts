// Before the checks: make sure the target accepts each identity and learn its own id, create a few
// objects as the first user (the producers of the plan) and read every GET operation once, as the first
// user, to have normal answers to compare attacks with (and for the passive checks).
import { bodyFor } from './examples.ts';
import { isSuccess, type ScanContext } from './context.ts';
import type { Identity } from './identity.ts';
import { idOf, itemsOf } from './plan.ts';
import { verifyIdentities } from './verify-identities.ts';

export async function explore(ctx: ScanContext): Promise<void> {
  const { plan } = ctx;
  await verifyIdentities(ctx);
  const owner = ctx.users[0] ?? ctx.identities[0];
  if (!owner) return;
  await createAs(ctx, owner);
  // Lists first (their ids feed the reads), then the reads of single objects.
  const reads = [...plan.reads].sort((a, b) => a.pathParams.length - b.pathParams.length);
  for (const op of reads) {
    if (op === plan.self) continue;
    const resolved = ctx.resolve(op, owner);
    if (!resolved) continue;
    // Public operations anonymously: what anyone gets (and evidence that reproduces without credentials).
    const who = op.secured ? owner : undefined;
    const res = await ctx.send(who, 'GET', resolved.path + ctx.query(op), {}, who ? `${who.name} reads` : 'an anonymous read');
    ctx.seen.push({ op, who, path: resolved.path, res });
    if (!isSuccess(res) || op.path.endsWith('}')) continue;
    const ids = (itemsOf(res.json) ?? []).map((item) => idOf(item)).filter((id): id is string => id !== undefined);
    if (ids.length > 0) {
      let byOp = ctx.listed.get(owner);
      if (!byOp) ctx.listed.set(owner, (byOp = new Map()));
      byOp.set(op, ids);
    }
  }
}

/** Runs each create operation once as `who` (parents before children) and remembers what it made. */
export async function createAs(ctx: ScanContext, who: Identity): Promise<void> {
  const creates = [...ctx.plan.creates].sort((a, b) => a.path.split('/').length - b.path.split('/').length);
  for (const op of creates) {
    const resolved = ctx.resolve(op, who);
    if (!resolved || (op.pathParams.length > 0 && !resolved.owned)) continue;
    const body = bodyFor(op.requestSchema, op.requestExample, () => ctx.marker());
    const res = await ctx.send(who, 'POST', resolved.path, body === undefined ? {} : { body }, `${who.name} creates an object`);
    if (!isSuccess(res)) continue;
    const item = ctx.plan.consumers.get(op)?.[0];
    const param = item?.pathParams.at(-1);
    const id = idOf(res.json, param) ?? res.headers.location?.split(/[/?#]/).filter(Boolean).at(-1);
    if (!item || id === undefined) continue;
    const concrete = `${resolved.path.slice(ctx.plan.spec.basePath.length)}/${encodeURIComponent(id)}`;
    ctx.remember(who, item.path, concrete);
    ctx.seen.push({ op, who, path: resolved.path, res });
  }
}

/** Deletes what the scan created, as its creator (best effort, within the budget). */
export async function cleanUp(ctx: ScanContext): Promise<void> {
  for (const [who, byTemplate] of ctx.created) {
    for (const [template, paths] of byTemplate) {
      const del = ctx.plan.spec.operations.find((o) => o.method === 'DELETE' && o.path === template);
      if (!del) continue;
      for (const p of paths) await ctx.send(who, 'DELETE', `${ctx.plan.spec.basePath}${p}`, {}, `${who.name} deletes what the scan created`).catch(() => undefined);
    }
  }
}
