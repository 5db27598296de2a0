// API5:2023 method swaps: DELETE sent to an object the scan itself created, on a path whose document
// lists no DELETE. A 2xx means an undocumented function changes state (and is likely unguarded, since
// whoever wrote the authorization rules did not know it existed). Runs late: it removes the object.
import { isSuccess } from '../context.ts';
import type { CheckInfo } from '../types.ts';
import type { Check } from './check.ts';

export const METHOD_SWAP: CheckInfo = {
  id: 'method-swap',
  title: 'An undocumented state-changing method works',
  category: 'API5:2023',
  severity: 'high',
  cwe: 749,
  why: 'The document lists no DELETE for the path, yet the API deletes the object: a function nobody reviewed, whose authorization was likely never written.',
  fix: 'Route only documented methods (405 for the others) and authorize every function; at the gateway, the router answers 405 for undocumented methods.',
};

export const methodSwapCheck: Check = {
  infos: [METHOD_SWAP],
  async run(ctx) {
    let tried = 0;
    for (const who of ctx.users.length ? ctx.users : ctx.identities) {
      for (const [template, concrete] of ctx.created.get(who) ?? []) {
        const documented = ctx.plan.spec.operations.filter((o) => o.path === template);
        const reader = documented.find((o) => o.method === 'GET');
        if (!reader || documented.some((o) => o.method === 'DELETE') || concrete.length === 0) continue;
        const label = `DELETE ${reader.fullPath}`;
        if (ctx.tested.get(METHOD_SWAP.id)?.has(label)) continue;
        ctx.test(METHOD_SWAP.id, label);
        tried++;
        // Only the scan's own object: never one it did not create (the safety rule of every write).
        const path = `${ctx.plan.spec.basePath}${concrete.at(-1)!}`;
        const res = await ctx.send(who, 'DELETE', path, {}, `DELETE (not in the document) on an object ${who.name} created`);
        if (!isSuccess(res)) continue;
        const after = await ctx.send(who, 'GET', path, {}, `${who.name} reads the object again`);
        const gone = after.status === 404 || after.status === 410;
        const only = documented.map((o) => o.method).join(', ');
        ctx.report(METHOD_SWAP, label, `${label} is not in the document (only ${only}) but answered ${res.status}${gone ? `; the object is gone (GET answers ${after.status})` : ''}.`, [res.exchange, after.exchange], gone ? 'confirmed' : 'firm');
      }
    }
    return tried === 0 ? 'no object created by the scan on a path without a documented DELETE' : undefined;
  },
};
