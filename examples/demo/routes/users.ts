// The user directory. GET /users returns public profiles (correct); GET /users/{userId} returns the
// whole row, password hash and internal fields included (flaw exposure-user).
import { USER_ALL, USER_PUBLIC } from '../db.ts';
import { HttpError, idParam, intQuery, json } from '../http.ts';
import type { Route } from '../types.ts';

export const userRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v2/users',
    handler: async (ctx) => {
      await ctx.principal();
      const limit = intQuery(ctx, 'limit', 20, 1, 100);
      const offset = intQuery(ctx, 'offset', 0, 0, 10000);
      const items = ctx.app.db.all(`SELECT ${USER_PUBLIC} FROM users ORDER BY id LIMIT ? OFFSET ?`, limit, offset);
      const total = Number(ctx.app.db.get('SELECT count(*) AS n FROM users')?.n);
      return json(200, { items, limit, offset, total });
    },
  },
  {
    method: 'GET',
    path: '/api/v2/users/{userId}',
    handler: async (ctx) => {
      await ctx.principal();
      const user = ctx.app.db.get(`SELECT ${USER_ALL} FROM users WHERE id = ?`, idParam(ctx, 'userId'));
      if (!user) throw new HttpError(404, 'not_found', 'No such user.');
      return json(200, user);
    },
  },
];
