// The caller's own account. GET /me and PATCH /me answer with the whole row (flaw exposure-me);
// PATCH /me writes role and balance too (flaw mass-assignment-me). The deprecated GET /me/profile is correct.
import { USER_ACCOUNT, USER_ALL } from '../db.ts';
import { HttpError, json, objectBody } from '../http.ts';
import type { Ctx, Route } from '../types.ts';

type Check = (value: unknown) => boolean;

/** Properties PATCH /me maps onto columns: the last two should never have been here. */
const WRITABLE: Record<string, { column: string; check: Check; rule: string }> = {
  displayName: { column: 'display_name', check: (v) => typeof v === 'string' && v.length > 0 && v.length <= 80, rule: 'a string of 1 to 80 characters' },
  email: { column: 'email', check: (v) => typeof v === 'string' && /^[^@\s]{1,64}@[^@\s]{1,189}$/.test(v), rule: 'an email address' },
  role: { column: 'role', check: (v) => v === 'user' || v === 'admin', rule: '"user" or "admin"' },
  balance: { column: 'balance', check: (v) => typeof v === 'number' && Number.isFinite(v), rule: 'a number' },
};

function fullSelf(ctx: Ctx, id: number) {
  return ctx.app.db.get(`SELECT ${USER_ALL} FROM users WHERE id = ?`, id);
}

export const meRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v2/me',
    handler: async (ctx) => json(200, fullSelf(ctx, (await ctx.principal()).userId)),
  },
  {
    method: 'GET',
    path: '/api/v2/me/profile',
    handler: async (ctx) => {
      const { userId } = await ctx.principal();
      const headers = { Deprecation: '@1735689600', Link: '</api/v2/me>; rel="successor-version"' };
      return json(200, ctx.app.db.get(`SELECT ${USER_ACCOUNT} FROM users WHERE id = ?`, userId), headers);
    },
  },
  {
    method: 'PATCH',
    path: '/api/v2/me',
    handler: async (ctx) => {
      const { userId } = await ctx.principal();
      const body = objectBody(await ctx.body());
      const sets: string[] = [];
      const values: (string | number)[] = [];
      for (const [name, value] of Object.entries(body)) {
        const field = WRITABLE[name];
        if (!field) continue; // unknown properties are ignored, as the ORM this imitates does
        if (!field.check(value)) throw new HttpError(400, 'invalid_property', `"${name}" must be ${field.rule}.`);
        sets.push(`${field.column} = ?`);
        values.push(value as string | number);
      }
      if (sets.length === 0) throw new HttpError(400, 'no_changes', 'Nothing to update: send displayName or email.');
      ctx.app.db.run(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`, ...values, userId);
      return json(200, fullSelf(ctx, userId));
    },
  },
];
