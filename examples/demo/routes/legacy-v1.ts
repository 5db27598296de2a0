// The old /api/v1, still deployed and in no spec (zombie API): no authentication on users, API keys in
// the query string, whole rows with password hashes and keys (flaws zombie-v1-users, zombie-v1-orders).
import { ORDER, USER_ALL } from '../db.ts';
import { HttpError, idParam, json } from '../http.ts';
import type { Route } from '../types.ts';

const V1_USER = `${USER_ALL}, api_key AS apiKey`;

export const legacyV1Routes: Route[] = [
  {
    method: 'GET',
    path: '/api/v1/users',
    handler: (ctx) => json(200, ctx.app.db.all(`SELECT ${V1_USER} FROM users ORDER BY id`)),
  },
  {
    method: 'GET',
    path: '/api/v1/users/{userId}',
    handler: (ctx) => {
      const user = ctx.app.db.get(`SELECT ${V1_USER} FROM users WHERE id = ?`, idParam(ctx, 'userId'));
      if (!user) throw new HttpError(404, 'not_found', 'No such user.');
      return json(200, user);
    },
  },
  {
    method: 'GET',
    path: '/api/v1/orders/{orderId}',
    handler: (ctx) => {
      const key = ctx.url.searchParams.get('api_key') ?? '';
      if (!ctx.app.db.get('SELECT id FROM users WHERE api_key = ?', key)) throw new HttpError(401, 'invalid_api_key', 'Pass ?api_key=...');
      const order = ctx.app.db.get(`SELECT ${ORDER} FROM orders WHERE id = ?`, idParam(ctx, 'orderId'));
      if (!order) throw new HttpError(404, 'not_found', 'No such order.');
      return json(200, order);
    },
  },
];
