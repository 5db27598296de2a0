// API5:2023 Broken Function Level Authorization: administrative operations called by an ordinary user
// (compared with the admin's answer when an admin identity is given). Only reads, unless --allow-destructive.
import { words } from '../../audit/names.ts';
import { isSuccess } from '../context.ts';
import type { ScanOperation } from '../operations.ts';
import type { CheckInfo } from '../types.ts';
import type { Check } from './check.ts';

export const BFLA: CheckInfo = {
  id: 'bfla',
  title: 'An ordinary user calls an administrative operation',
  category: 'API5:2023',
  severity: 'high',
  cwe: 285,
  why: 'The operation is meant for administrators (by its path, tag, scopes or roles) but an ordinary user gets an answer: the role is never checked.',
  fix: 'Check the caller\'s role or scope in every administrative operation (deny by default); at the gateway, the authorize policy with x-portcullis-roles and scopes.',
};

const ADMIN_WORDS = new Set(['admin', 'admins', 'administration', 'administrator', 'internal', 'management', 'manage', 'backoffice', 'superuser', 'staff', 'ops']);

/** Administrative by path segment, tag, required scope or x-portcullis-roles. */
export function isAdminOperation(op: ScanOperation): boolean {
  if (op.path.split('/').some((s) => ADMIN_WORDS.has(s.toLowerCase()))) return true;
  const tags: unknown = op.node.tags;
  if (Array.isArray(tags) && tags.some((t) => typeof t === 'string' && ADMIN_WORDS.has(t.toLowerCase()))) return true;
  if (op.scopes.some((s) => words(s).some((w) => ADMIN_WORDS.has(w)))) return true;
  const roles: unknown = op.node['x-portcullis-roles'];
  return Array.isArray(roles) && roles.some((r) => typeof r === 'string' && ADMIN_WORDS.has(r.toLowerCase()));
}

export const functionLevelCheck: Check = {
  infos: [BFLA],
  async run(ctx) {
    const user = ctx.users[0];
    if (!user) return 'needs an ordinary user';
    for (const op of ctx.plan.spec.operations.filter(isAdminOperation)) {
      if (op.method !== 'GET' && !ctx.settings.allowDestructive) continue;
      const resolved = ctx.resolve(op, ctx.admin ?? user);
      if (!resolved) continue;
      ctx.test(BFLA.id, op.label);
      const url = resolved.path + ctx.query(op);
      const admin = ctx.admin ? await ctx.send(ctx.admin, op.method, url, {}, `the admin ${ctx.admin.name} calls it`) : undefined;
      if (admin && !isSuccess(admin)) continue; // not even the admin may: nothing to compare
      const res = await ctx.send(user, op.method, url, {}, `the ordinary user ${user.name} calls it`);
      if (!isSuccess(res)) continue;
      const evidence = admin ? [res.exchange, admin.exchange] : [res.exchange];
      ctx.report(BFLA, op.label, `${user.name} (an ordinary user) got ${res.status} from the administrative ${op.label}${admin ? `, like the admin ${ctx.admin!.name}` : ''}.`, evidence, admin ? 'confirmed' : 'firm');
    }
    return undefined;
  },
};
