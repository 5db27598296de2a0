// Before any check: each identity reads its own account (GET /me; without one, a secured read) to learn
// its id and to prove the target accepts it. A refused identity (wrong key, expired token, a lockout)
// stops the scan: every check would otherwise quietly test nothing and the report say "No findings".
import { isAdminOperation } from './checks/api5-function-level.ts';
import { isSuccess, type ScanContext } from './context.ts';
import type { HttpResponse } from './http.ts';
import { IdentityError } from './identities.ts';
import { idOf } from './plan.ts';

export async function verifyIdentities(ctx: ScanContext): Promise<void> {
  const op = ctx.plan.self ?? ctx.plan.reads.find((o) => o.secured && o.pathParams.length === 0 && !o.deprecated && !isAdminOperation(o));
  if (!op) return; // nothing tells an accepted identity from a refused one
  const url = op.fullPath + ctx.query(op);
  const asAnonymous = () => ctx.asAnonymous(url);
  const refused: string[] = [];
  for (const who of ctx.identities) {
    const res = await ctx.send(who, 'GET', url, {}, op === ctx.plan.self ? `${who.name} reads its own account` : `${who.name} proves it is accepted`);
    const why = await refusal(op === ctx.plan.self, res, asAnonymous);
    if (why !== undefined) {
      refused.push(`identity ${who.name} is refused by the target (${res.status} on ${op.label}${why})`);
      continue;
    }
    if (!isSuccess(res)) continue; // another status (404, 500): cannot tell, the checks will say what they could not test
    ctx.seen.push({ op, who, path: op.fullPath, res });
    if (op !== ctx.plan.self) continue;
    const id = idOf(res.json);
    if (id !== undefined) who.userId = id;
    const username = (res.json as Record<string, unknown> | undefined)?.username;
    if (typeof username === 'string') who.username = username;
  }
  if (refused.length > 0) throw new IdentityError(refused.join('; '));
}

/**
 * Why the answer is a refusal ("" for a plain 401), or undefined. 403 counts when an anonymous caller
 * gets 403 too (the API's "who are you?"); on the self operation a 2xx too, when it is exactly what an
 * anonymous caller gets and carries no account id (an API that answers everyone 200 "please log in").
 * The same answer with an id is an account anyone gets: auth-missing reports it, the scan goes on.
 */
async function refusal(self: boolean, res: HttpResponse, anonymous: () => Promise<HttpResponse>): Promise<string | undefined> {
  if (res.status === 401) return '';
  if (res.status === 403) return (await anonymous()).status === 403 ? ', as to an anonymous caller' : undefined;
  if (!self || !isSuccess(res) || idOf(res.json) !== undefined) return undefined;
  const anon = await anonymous();
  return isSuccess(anon) && anon.text === res.text ? ', the answer an anonymous caller gets, with no account id' : undefined;
}
