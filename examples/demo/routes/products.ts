// The public catalogue. GET /products has no upper bound on `limit` (flaw unbounded-page-size);
// GET /products/search builds its SQL by string concatenation (flaw sqli-product-search);
// GET /products/{productId} is correct.
import { PRODUCT } from '../db.ts';
import { HttpError, idParam, intQuery, json } from '../http.ts';
import type { Route } from '../types.ts';

export const productRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v2/products',
    handler: (ctx) => {
      const limit = intQuery(ctx, 'limit', 20, 1); // no maximum: ?limit=100000 dumps the catalogue
      const offset = intQuery(ctx, 'offset', 0, 0, 10000);
      const category = ctx.url.searchParams.get('category');
      const where = category ? 'hidden = 0 AND category = ?' : 'hidden = 0';
      const filter = category ? [category] : [];
      const items = ctx.app.db.all(`SELECT ${PRODUCT} FROM products WHERE ${where} ORDER BY id LIMIT ? OFFSET ?`, ...filter, limit, offset);
      const total = Number(ctx.app.db.get(`SELECT count(*) AS n FROM products WHERE ${where}`, ...filter)?.n);
      return json(200, { items, limit, offset, total });
    },
  },
  {
    method: 'GET',
    path: '/api/v2/products/search',
    handler: (ctx) => {
      const q = ctx.url.searchParams.get('q');
      if (q === null || q === '') throw new HttpError(400, 'missing_parameter', 'Query parameter "q" is required.');
      const sql = `SELECT ${PRODUCT} FROM products WHERE hidden = 0 AND name LIKE '%${q}%' ORDER BY id LIMIT 50`;
      try {
        return json(200, { items: ctx.app.db.raw.prepare(sql).all() });
      } catch (error) {
        throw Object.assign(error as Error, { query: sql }); // ...and the verbose 500 shows it
      }
    },
  },
  {
    method: 'GET',
    path: '/api/v2/products/{productId}',
    handler: (ctx) => {
      const product = ctx.app.db.get(`SELECT ${PRODUCT} FROM products WHERE id = ? AND hidden = 0`, idParam(ctx, 'productId'));
      if (!product) throw new HttpError(404, 'not_found', 'No such product.');
      return json(200, product);
    },
  },
];
