// Orders. Listing, creating, changing and cancelling check the owner (correct); reading one by id does
// not (flaw bola-order-read).
import { now, ORDER } from '../db.ts';
import { HttpError, idParam, int, intQuery, json, noContent, objectBody, onlyKnown, str } from '../http.ts';
import type { Ctx, Principal, Route } from '../types.ts';

function orderById(ctx: Ctx, id: number) {
  return ctx.app.db.get(`SELECT ${ORDER} FROM orders WHERE id = ?`, id);
}

/** The order when the caller owns it (or is an admin); 404 otherwise, so ids of others do not leak. */
function ownOrder(ctx: Ctx, who: Principal, id: number) {
  const order = orderById(ctx, id);
  if (!order || (order.ownerId !== who.userId && who.role !== 'admin')) throw new HttpError(404, 'not_found', 'No such order.');
  return order;
}

export const orderRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v2/me/orders',
    handler: async (ctx) => {
      const who = await ctx.principal();
      const limit = intQuery(ctx, 'limit', 20, 1, 100);
      const offset = intQuery(ctx, 'offset', 0, 0, 10000);
      const items = ctx.app.db.all(`SELECT ${ORDER} FROM orders WHERE owner_id = ? ORDER BY id LIMIT ? OFFSET ?`, who.userId, limit, offset);
      const total = Number(ctx.app.db.get('SELECT count(*) AS n FROM orders WHERE owner_id = ?', who.userId)?.n);
      return json(200, { items, limit, offset, total });
    },
  },
  {
    method: 'POST',
    path: '/api/v2/orders',
    handler: async (ctx) => {
      const who = await ctx.principal();
      const body = objectBody(await ctx.body());
      onlyKnown(body, ['productId', 'quantity', 'shippingAddress']);
      const productId = int(body, 'productId', 1, 2147483647, true)!;
      const quantity = int(body, 'quantity', 1, 100, true)!;
      const shippingAddress = str(body, 'shippingAddress', 200, true);
      const product = ctx.app.db.get('SELECT price FROM products WHERE id = ? AND hidden = 0', productId);
      if (!product) throw new HttpError(422, 'unknown_product', 'No such product.');
      const total = Math.round(Number(product.price) * quantity * 100) / 100;
      const { lastInsertRowid } = ctx.app.db.run(
        'INSERT INTO orders (owner_id, product_id, quantity, total, status, shipping_address, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        who.userId, productId, quantity, total, 'paid', shippingAddress, now(),
      );
      return json(201, orderById(ctx, lastInsertRowid), { Location: `/api/v2/orders/${lastInsertRowid}` });
    },
  },
  {
    method: 'GET',
    path: '/api/v2/orders/{orderId}',
    handler: async (ctx) => {
      await ctx.principal(); // authenticated, but whose order it is never checked
      const order = orderById(ctx, idParam(ctx, 'orderId'));
      if (!order) throw new HttpError(404, 'not_found', 'No such order.');
      return json(200, order);
    },
  },
  {
    method: 'PATCH',
    path: '/api/v2/orders/{orderId}',
    handler: async (ctx) => {
      const who = await ctx.principal();
      const order = ownOrder(ctx, who, idParam(ctx, 'orderId'));
      const body = objectBody(await ctx.body());
      onlyKnown(body, ['shippingAddress']);
      const shippingAddress = str(body, 'shippingAddress', 200, true);
      if (order.status !== 'paid') throw new HttpError(409, 'order_closed', `The order is ${order.status}.`);
      ctx.app.db.run('UPDATE orders SET shipping_address = ? WHERE id = ?', shippingAddress, Number(order.id));
      return json(200, orderById(ctx, Number(order.id)));
    },
  },
  {
    method: 'DELETE',
    path: '/api/v2/orders/{orderId}',
    handler: async (ctx) => {
      const who = await ctx.principal();
      const order = ownOrder(ctx, who, idParam(ctx, 'orderId'));
      ctx.app.db.run('DELETE FROM orders WHERE id = ?', Number(order.id));
      return noContent;
    },
  },
];
