// Through a real gateway and upstream: a parameter or form field typed integer or number passes only
// spelt as canonical decimal digits or a JSON number. "1e3", "0x3e9", "+1001" and the like read as
// another number, or none, by some upstream parser: refused with the type error, never forwarded.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { suiteGateway } from '../../../test/helpers/gateway.ts';

const specText = (version: string) => `openapi: ${version}
info: { title: numbers, version: '1' }
paths:
  /orders:
    get:
      operationId: listOrders
      parameters:
        - $ref: '#/components/parameters/Limit'
        - { name: delta, in: query, schema: { type: integer, minimum: -100, maximum: 100 } }
        - { name: minTotal, in: query, schema: { type: number, minimum: -1000, maximum: 1000 } }
        - { name: ids, in: query, style: form, explode: false, schema: { type: array, items: { $ref: '#/components/schemas/Id' } } }
        - { name: tag, in: query, schema: { type: array, items: { type: integer } } }
        - { name: near, in: query, style: spaceDelimited, explode: false, schema: { type: array, items: { type: number } } }
        - { name: any, in: query, style: pipeDelimited, explode: false, schema: { type: array, items: { type: integer } } }
        - { name: range, in: query, style: deepObject, schema: { type: object, properties: { min: { type: integer } } } }
        - { name: X-Page, in: header, schema: { type: integer, minimum: 1 } }
        - { name: page, in: cookie, schema: { type: integer, minimum: 1 } }
      responses: { '200': { description: ok } }
    post:
      operationId: createOrder
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema: { $ref: '#/components/schemas/NewOrder' }
          application/json:
            schema: { $ref: '#/components/schemas/NewOrder' }
      responses: { '201': { description: created } }
  /orders/{orderId}:
    get:
      operationId: getOrder
      parameters: [{ $ref: '#/components/parameters/OrderId' }]
      responses: { '200': { description: ok } }
components:
  parameters:
    Limit: { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 100 } }
    OrderId: { name: orderId, in: path, required: true, schema: { $ref: '#/components/schemas/Id' } }
  schemas:
    Id: { type: integer, minimum: 1, maximum: 2147483647 }
    NewOrder:
      type: object
      additionalProperties: false
      properties:
        quantity: { type: integer, minimum: 1, maximum: 100 }
        price: { type: number }
`;

type Problem = { code: string; errors?: { in: string; name?: string; pointer?: string; message: string }[] };

for (const version of ['3.0.3', '3.1.0']) {
  describe(`validate: numbers spelt as text (OpenAPI ${version})`, () => {
    const suite = suiteGateway(
      `  - name: shop
    spec: ./spec.yaml
    upstream: backend
    policies:
      validate: {}
`,
      { 'spec.yaml': specText(version) },
    );
    const call = (path: string, init: RequestInit = {}) => fetch(`${suite.gw.url}${path}`, init);
    async function passes(path: string, init: RequestInit = {}): Promise<void> {
      const res = await call(path, init);
      assert.equal(res.status, 200, `${path} passes`);
      await res.arrayBuffer();
      assert.equal(suite.upstream.received.at(-1)!.url, path, 'forwarded as sent');
    }
    /** Refused with the type error naming the parameter, and never forwarded. */
    async function refused(path: string, expected: { in: string; name?: string; pointer?: string; message: string }, init: RequestInit = {}): Promise<void> {
      const before = suite.upstream.received.length;
      const res = await call(path, init);
      assert.equal(res.status, 400, `${path} is refused`);
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
      const problem = (await res.json()) as Problem;
      assert.equal(problem.code, 'PCL_ERR_VALIDATION');
      assert.deepEqual(problem.errors![0], expected, path);
      assert.equal(suite.upstream.received.length, before, `${path} never reached the upstream`);
    }

    test('path: only decimal digits are an id', async () => {
      await passes('/orders/1001');
      await passes('/orders/2147483647');
      for (const id of ['1e3', '0x3e9', '1001.0', '%201001', '1001%20', '+1001', '0b1111101001', '0o1751', '01001', '1e400']) {
        await refused(`/orders/${id}`, { in: 'path', name: 'orderId', message: 'must be integer' });
      }
    });

    test('query: the page-size cap holds for every spelling', async () => {
      await passes('/orders?limit=100');
      await passes('/orders?limit=1&delta=-100');
      await passes('/orders?delta=0');
      // 1000e-1 is 100 to Number(), 1000 to parseInt: the cap of 100 would be undone.
      for (const limit of ['1000e-1', '1e1', '0x10', '10.0', '%2010', '%2B10', '+10', '0b1010', '010', '%20', '1_0']) {
        await refused(`/orders?limit=${limit}`, { in: 'query', name: 'limit', message: 'must be integer' });
      }
      await refused('/orders?delta=-0', { in: 'query', name: 'delta', message: 'must be integer' });
      await refused('/orders?delta=--1', { in: 'query', name: 'delta', message: 'must be integer' });
    });

    test('query: numbers are JSON numbers', async () => {
      for (const n of ['1.5', '1e3', '-0.25', '0', '-12', '2.5E-3']) await passes(`/orders?minTotal=${n}`);
      for (const n of ['%2B1.5', '.5', '5.', '01.5', '0x10', '%201', 'Infinity', '-Infinity', '1e400', '1e3%20']) {
        await refused(`/orders?minTotal=${n}`, { in: 'query', name: 'minTotal', message: 'must be number' });
      }
    });

    test('lists: every item of a form, exploded, space- or pipe-delimited list', async () => {
      await passes('/orders?ids=1,2,3&tag=-4&tag=5&near=1.5%20-2&any=7|8');
      await refused('/orders?ids=1,0x2', { in: 'query', name: 'ids', pointer: '/1', message: 'must be integer' });
      await refused('/orders?ids=1e3', { in: 'query', name: 'ids', pointer: '/0', message: 'must be integer' });
      await refused('/orders?tag=1&tag=1.0', { in: 'query', name: 'tag', pointer: '/1', message: 'must be integer' });
      await refused('/orders?near=1%20%2B2', { in: 'query', name: 'near', pointer: '/1', message: 'must be number' });
      await refused('/orders?any=7|0b1', { in: 'query', name: 'any', pointer: '/1', message: 'must be integer' });
    });

    test('deepObject members, headers and cookies', async () => {
      await passes('/orders?range[min]=-3');
      await refused('/orders?range[min]=1e1', { in: 'query', name: 'range', pointer: '/min', message: 'must be integer' });
      await passes('/orders', { headers: { 'x-page': '2' } });
      for (const page of ['2e0', '0x2', '2.0', '02']) {
        await refused('/orders', { in: 'header', name: 'x-page', message: 'must be integer' }, { headers: { 'x-page': page } });
        await refused('/orders', { in: 'cookie', name: 'page', message: 'must be integer' }, { headers: { cookie: `page=${page}` } });
      }
      await passes('/orders', { headers: { cookie: 'page=3' } });
    });

    test('form fields are text too; JSON bodies are typed already', async () => {
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      const post = (body: string, headers: Record<string, string>) => call('/orders', { method: 'POST', body, headers });
      let res = await post('quantity=10&price=-0.25', form);
      assert.equal(res.status, 200);
      assert.equal(suite.upstream.received.at(-1)!.body.toString(), 'quantity=10&price=-0.25');
      const before = suite.upstream.received.length;
      for (const [body, pointer, message] of [['quantity=1e1', '/quantity', 'must be integer'], ['quantity=0x10', '/quantity', 'must be integer'], ['price=%2B1', '/price', 'must be number']]) {
        res = await post(body!, form);
        assert.equal(res.status, 400, body);
        const problem = (await res.json()) as Problem;
        assert.deepEqual(problem.errors![0], { in: 'body', pointer, message }, body);
      }
      assert.equal(suite.upstream.received.length, before);
      // A JSON number is a number whatever its spelling; a JSON string is not one.
      res = await post('{"quantity":1e1,"price":2.50}', { 'content-type': 'application/json' });
      assert.equal(res.status, 200);
      res = await post('{"quantity":"10"}', { 'content-type': 'application/json' });
      assert.equal(res.status, 400);
      await res.arrayBuffer();
    });
  });
}
