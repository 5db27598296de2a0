// Admin operations. GET /admin/users checks the role (correct); GET /admin/stats only checks that the
// caller is logged in (flaw bfla-admin-stats).
import { USER_ACCOUNT } from '../db.ts';
import { intQuery, json } from '../http.ts';
import { requireAdmin } from '../auth.ts';
import type { Route } from '../types.ts';

export const adminRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v2/admin/users',
    handler: async (ctx) => {
      requireAdmin(await ctx.principal());
      const limit = intQuery(ctx, 'limit', 20, 1, 100);
      const offset = intQuery(ctx, 'offset', 0, 0, 10000);
      const items = ctx.app.db.all(`SELECT ${USER_ACCOUNT} FROM users ORDER BY id LIMIT ? OFFSET ?`, limit, offset);
      const total = Number(ctx.app.db.get('SELECT count(*) AS n FROM users')?.n);
      return json(200, { items, limit, offset, total });
    },
  },
  {
    method: 'GET',
    path: '/api/v2/admin/stats',
    handler: async (ctx) => {
      await ctx.principal(); // the role check was forgotten here
      const db = ctx.app.db;
      const totals = db.get("SELECT count(*) AS orders, coalesce(sum(total), 0) AS revenue FROM orders WHERE status = 'paid'");
      const topProducts = db.all(
        `SELECT p.id AS productId, p.name AS name, sum(o.quantity) AS sold FROM orders o JOIN products p ON p.id = o.product_id
         GROUP BY p.id ORDER BY sold DESC, p.id LIMIT 5`,
      );
      return json(200, {
        users: Number(db.get('SELECT count(*) AS n FROM users')?.n),
        orders: Number(totals?.orders),
        revenue: Math.round(Number(totals?.revenue) * 100) / 100,
        topProducts,
      });
    },
  },
];
