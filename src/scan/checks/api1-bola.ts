// API1:2023 Broken Object Level Authorization: objects the first user created (or that sit under its
// own account) are read, changed and deleted as the second user and anonymously.
import { bodyFor } from '../examples.ts';
import { isSuccess, type ScanContext } from '../context.ts';
import type { Identity } from '../identity.ts';
import type { ScanOperation } from '../operations.ts';
import type { CheckInfo } from '../types.ts';
import { sameObject, type Check } from './check.ts';

export const BOLA_READ: CheckInfo = {
  id: 'bola-read',
  title: "Another user reads an object that is not theirs",
  category: 'API1:2023',
  severity: 'high',
  cwe: 639,
  why: 'The API answers with an object to a caller who does not own it: anyone who can guess or enumerate ids reads everyone\'s data.',
  fix: 'Check on every object access that the caller owns the object (or may see it), not only that the caller is authenticated; at the gateway, x-portcullis-owner.',
};

export const BOLA_WRITE: CheckInfo = {
  id: 'bola-write',
  title: "Another user changes, adds to or deletes an object that is not theirs",
  category: 'API1:2023',
  severity: 'high',
  cwe: 639,
  why: 'Writes to objects of other users are accepted: anyone can tamper with, plant or destroy other users\' data.',
  fix: 'Check ownership before every write (update, create under a parent, delete), from the authenticated caller, never from ids in the request.',
};

export const bolaCheck: Check = {
  infos: [BOLA_READ, BOLA_WRITE],
  async run(ctx) {
    const [owner, other] = ctx.users;
    if (!owner || !other) return 'needs two ordinary users (--identity for each)';
    const ops = ctx.plan.spec.operations.filter((op) => op.pathParams.length > 0);
    // Deletes last: they may remove the owner's object.
    const order = (op: ScanOperation) => (op.method === 'DELETE' ? 2 : op.method === 'GET' ? 0 : 1);
    for (const op of [...ops].sort((a, b) => order(a) - order(b))) {
      const resolved = ctx.resolve(op, owner);
      if (!resolved || !resolved.owned || resolved.endsWithSelf) continue;
      if (op.method === 'GET' && op.secured) await readAs(ctx, op, resolved.path, owner, other); // public reads are public by design
      else if (op.method === 'DELETE' && resolved.created) await deleteAs(ctx, op, resolved.path, owner, other);
      else if (['PATCH', 'PUT', 'POST'].includes(op.method) && (resolved.created || op.method === 'POST')) await writeAs(ctx, op, resolved.path, owner, other);
    }
    return undefined;
  },
};

async function readAs(ctx: ScanContext, op: ScanOperation, path: string, owner: Identity, other: Identity): Promise<void> {
  const url = path + ctx.query(op);
  const mine = await ctx.send(owner, 'GET', url, {}, `${owner.name} reads its own object`);
  if (!isSuccess(mine)) return ctx.cannotTest(BOLA_READ.id, `${owner.name} cannot read its own object (${mine.status} on GET ${path})`);
  ctx.test(BOLA_READ.id, op.label);
  const theirs = await ctx.send(other, 'GET', url, {}, `${other.name} reads ${owner.name}'s object`);
  if (sameObject(mine, theirs, ctx.runId)) {
    ctx.report(BOLA_READ, op.label, `${other.name} got ${owner.name}'s object from ${op.method} ${path} (${theirs.status}).`, [theirs.exchange, mine.exchange]);
    return;
  }
  if (op.secured) {
    const anonymous = await ctx.send(undefined, 'GET', url, {}, `an anonymous caller reads ${owner.name}'s object`);
    if (sameObject(mine, anonymous, ctx.runId)) ctx.report(BOLA_READ, op.label, `An anonymous caller got ${owner.name}'s object from ${op.method} ${path}.`, [anonymous.exchange, mine.exchange], 'confirmed', 'critical');
  }
}

/** Only what the owner's read-back shows counts: an API may answer 2xx to a write it ignores. */
async function writeAs(ctx: ScanContext, op: ScanOperation, path: string, owner: Identity, other: Identity): Promise<void> {
  const reader = ctx.plan.spec.operations.find((o) => o.method === 'GET' && o.path === op.path);
  if (!reader) return ctx.cannotTest(BOLA_WRITE.id, `no GET on ${op.fullPath} to read back what ${op.method} did`);
  const body = bodyFor(op.requestSchema, op.requestExample, () => ctx.marker());
  const sent = JSON.stringify(body ?? '');
  const markers = sent.match(new RegExp(`pcs-${ctx.runId}-\\d+`, 'g')) ?? [];
  if (markers.length === 0) return ctx.cannotTest(BOLA_WRITE.id, `${op.label} has no free-text property to carry a marker`);
  ctx.test(BOLA_WRITE.id, op.label);
  const write = await ctx.send(other, op.method, path, body === undefined ? {} : { body }, `${other.name} writes to ${owner.name}'s object`);
  if (!isSuccess(write)) return;
  const check = await ctx.send(owner, 'GET', path + ctx.query(reader), {}, `${owner.name} reads its object again`);
  const what = op.method === 'POST' ? `added an object under ${owner.name}'s ${path}` : `changed ${owner.name}'s object at ${path}`;
  if (isSuccess(check) && markers.some((m) => check.text.includes(m))) {
    ctx.report(BOLA_WRITE, op.label, `${other.name} ${what} (${write.status}); ${owner.name} now sees it.`, [write.exchange, check.exchange]);
  } else if (!isSuccess(check)) {
    const tried = op.method === 'POST' ? `add an object under ${owner.name}'s ${path}` : `change ${owner.name}'s object at ${path}`;
    ctx.report(BOLA_WRITE, op.label, `Possibly: ${other.name}'s attempt to ${tried} answered ${write.status}, but ${owner.name}'s read-back answered ${check.status}, so whether it changed is unknown.`, [write.exchange, check.exchange], 'tentative');
  }
  // Read back unchanged: the 2xx did not write anything (no finding).
}

async function deleteAs(ctx: ScanContext, op: ScanOperation, path: string, owner: Identity, other: Identity): Promise<void> {
  const reader = ctx.plan.spec.operations.find((o) => o.method === 'GET' && o.path === op.path);
  if (!reader) return ctx.cannotTest(BOLA_WRITE.id, `no GET on ${op.fullPath} to see whether DELETE removed the object`);
  const before = await ctx.send(owner, 'GET', path, {}, `${owner.name} reads its object`);
  if (!isSuccess(before)) return ctx.cannotTest(BOLA_WRITE.id, `${owner.name} cannot read its own object (${before.status} on GET ${path})`);
  ctx.test(BOLA_WRITE.id, op.label);
  const del = await ctx.send(other, 'DELETE', path, {}, `${other.name} deletes ${owner.name}'s object`);
  if (!isSuccess(del)) return;
  const after = await ctx.send(owner, 'GET', path, {}, `${owner.name} reads its object again`);
  if (after.status === 404 || after.status === 410) {
    ctx.report(BOLA_WRITE, op.label, `${other.name} deleted ${owner.name}'s object at ${path} (${del.status}); it is gone (${after.status}).`, [del.exchange, after.exchange]);
  } else if (!isSuccess(after)) {
    ctx.report(BOLA_WRITE, op.label, `Possibly: ${other.name}'s DELETE of ${owner.name}'s object at ${path} answered ${del.status}, but ${owner.name}'s read afterwards answered ${after.status}, so whether it is gone is unknown.`, [del.exchange, after.exchange], 'tentative');
  }
  // Still there for its owner: the 2xx deleted nothing (no finding).
}
