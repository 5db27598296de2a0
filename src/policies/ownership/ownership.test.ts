// Through a real gateway with API-key authentication: path rules before the upstream is called,
// response rules before a byte reaches the client, arrays filtered, override roles, load-time errors.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../../../test/helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';

const spec = `openapi: 3.1.0
info: { title: t, version: '1' }
components:
  securitySchemes:
    key: { type: apiKey, in: header, name: X-API-Key }
security: [{ key: [] }]
paths:
  /users/{userId}/notes:
    get:
      operationId: notes
      parameters: [{ name: userId, in: path, required: true, schema: { type: string } }]
      x-portcullis-owner: { path: userId, claim: sub }
      responses: { '200': { description: ok } }
    put:
      operationId: notesPut
      parameters: [{ name: userId, in: path, required: true, schema: { type: string } }]
      x-portcullis-owner: { path: userId, claim: sub }
      responses: { '200': { description: ok } }
  /orders/{id}:
    get:
      operationId: order
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      x-portcullis-owner: { response: $.ownerId, claim: sub }
      responses: { '200': { description: ok } }
  /invoices:
    get:
      operationId: invoices
      parameters: [{ name: customer, in: query, required: true, schema: { type: string } }]
      x-portcullis-owner: { query: customer, claim: sub }
      responses: { '200': { description: ok } }
  /bills:
    get:
      operationId: bills
      parameters: [{ name: customer_id, in: query, required: true, schema: { type: string } }]
      x-portcullis-owner: { query: customer_id, claim: sub }
      responses: { '200': { description: ok } }
  /orders:
    get:
      operationId: orders
      x-portcullis-owner: { response: '$.items[*].ownerId', claim: sub }
      responses: { '200': { description: ok } }
`;

const sha = (k: string) => createHash('sha256').update(k).digest('hex');
const orders: Record<string, unknown> = {
  '/orders/1': { id: 1, ownerId: 1 }, '/orders/2': { id: 2, ownerId: 2 }, '/orders': { items: [{ id: 1, ownerId: 1 }, { id: 2, ownerId: 2 }, { id: 3, ownerId: 1 }], total: 3 },
  // Owner fields that name nobody: missing, null, an object, a list.
  '/orders/3': { id: 3 }, '/orders/4': { id: 4, ownerId: null }, '/orders/5': { id: 5, ownerId: { id: 1 } }, '/orders/6': { id: 6, ownerId: ['1'] },
  '/orders?odd': { items: [{ id: 3 }, { id: 4, ownerId: null }, { id: 6, ownerId: ['1'] }, { id: 1, ownerId: '1' }] },
  // One object where the rule expects a list, and no list at all.
  '/orders?one': { items: { id: 2, ownerId: 2 } },
  '/orders?mine': { items: { id: 1, ownerId: 1 } },
  '/orders?none': { total: 0 },
  '/orders?top': [{ id: 1, ownerId: 1 }, { id: 2, ownerId: 2, note: 'BOB-PRIVATE' }],
  '/orders?elsewhere': { data: [{ id: 2, ownerId: 2, note: 'BOB-PRIVATE' }] },
  '/orders?query': { total: 0, query: { ownerId: '1' } },
  // 64-bit ids sent as JSON numbers (raw text: JSON.stringify could not write them).
  '/orders?dup': '{"items":[{"id":2,"ownerId":2,"note":"BOB-PRIVATE"}],"items":[{"id":1,"ownerId":1}]}',
  '/orders/7': '{"id":7,"ownerId":9007199254740993}',
  '/orders/8': '{"id":8,"ownerId":9007199254740992}',
  '/orders/9': '{"id":9,"ownerId":9007199254740993.0}',
  '/orders?big': '{"items":[{"id":1,"ownerId":9007199254740993},{"id":2,"ownerId":9007199254740992},{"id":3,"ownerId":1e16},{"id":4,"ownerId":"9007199254740992"}],"next":18014398509481985}',
};
const config = (upstream: string, extra = '') => `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: ${upstream} } }
apis:
  - name: api
    spec: ./spec.yaml
    upstream: backend
    policies:
      auth-schemes:
        schemes:
          key:
            apiKey:
              format: any
              consumers:
                - { id: alice, roles: [user], metadata: { sub: '1' }, keys: [{ sha256: ${sha('alice-key')} }] }
                - { id: bob, roles: [user], metadata: { sub: '2' }, keys: [{ sha256: ${sha('bob-key')} }] }
                - { id: root, roles: [admin], keys: [{ sha256: ${sha('root-key')} }] }
                - { id: mallory, roles: [user], metadata: { sub: 'undefined' }, keys: [{ sha256: ${sha('mallory-key')} }] }
                - { id: nully, roles: [user], metadata: { sub: 'null' }, keys: [{ sha256: ${sha('nully-key')} }] }
                - { id: objy, roles: [user], metadata: { sub: { x: 1 } }, keys: [{ sha256: ${sha('objy-key')} }] }
                - { id: carol, roles: [user], metadata: { sub: '9007199254740992' }, keys: [{ sha256: ${sha('carol-key')} }] }
                - { id: dave, roles: [user], metadata: { sub: '9007199254740993' }, keys: [{ sha256: ${sha('dave-key')} }] }
                - { id: numy, roles: [user], metadata: { sub: 9007199254740993 }, keys: [{ sha256: ${sha('numy-key')} }] }
      ownership:
        overrideRoles: [admin]
${extra}`;

describe('ownership policy', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;

  before(async () => {
    upstream = await startUpstream((req, res) => {
      const found = orders[req.url ?? ''] ?? { notes: [] };
      const body = typeof found === 'string' ? found : JSON.stringify(found);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
    gw = await startTestGateway(config(upstream.url), { 'spec.yaml': spec });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  const get = (path: string, key: string) => fetch(`${gw.url}${path}`, { headers: { 'x-api-key': key } });

  test('a path rule refuses another user before the upstream is called', async () => {
    assert.equal((await get('/users/1/notes', 'alice-key')).status, 200);
    const before = upstream.received.length;
    const res = await get('/users/1/notes', 'bob-key');
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_FORBIDDEN');
    assert.equal(upstream.received.length, before);
    assert.equal((await get('/users/%31/notes', 'bob-key')).status, 403, 'encoded forms are compared decoded');
  });

  test('a response rule refuses an object the caller does not own, without leaking it', async () => {
    assert.deepEqual(await (await get('/orders/1', 'alice-key')).json(), { id: 1, ownerId: 1 });
    const res = await get('/orders/2', 'alice-key');
    assert.equal(res.status, 403);
    assert.ok(!(await res.text()).includes('ownerId'));
  });

  test('a key written twice: what was judged is sent, not the copy JSON.parse dropped (another caller\'s items)', async () => {
    assert.equal(await (await get('/orders?dup', 'alice-key')).text(), '{"items":[{"id":1,"ownerId":1}]}');
  });

  test('arrays keep only the caller\'s items; override roles see everything', async () => {
    const mine = (await (await get('/orders', 'alice-key')).json()) as { items: { id: number }[] };
    assert.deepEqual(mine.items.map((o) => o.id), [1, 3]);
    const all = (await (await get('/orders', 'root-key')).json()) as { items: unknown[] };
    assert.equal(all.items.length, 3);
    assert.equal((await get('/orders/2', 'root-key')).status, 200);
    assert.equal((await get('/users/1/notes', 'root-key')).status, 200);
  });

  test('an owner field or claim that is missing, null, an object or a list names nobody', async () => {
    // As text they would read "undefined", "null", "[object Object]" and "1": a caller's own claim could equal them.
    assert.equal((await get('/orders/3', 'mallory-key')).status, 403);
    assert.equal((await get('/orders/4', 'nully-key')).status, 403);
    assert.equal((await get('/orders/5', 'objy-key')).status, 403);
    assert.equal((await get('/orders/6', 'alice-key')).status, 403);
    const odd = (await (await get('/orders?odd', 'alice-key')).json()) as { items: { id: number }[] };
    assert.deepEqual(odd.items.map((o) => o.id), [1]);
    assert.deepEqual(((await (await get('/orders?odd', 'mallory-key')).json()) as { items: unknown[] }).items, []);
    assert.deepEqual(((await (await get('/orders?odd', 'nully-key')).json()) as { items: unknown[] }).items, []);
  });

  test('an owner id beyond 2^53 is compared on its exact digits, never rounded; such a claim names nobody', async () => {
    // JSON.parse reads 9007199254740993 as 9007199254740992: carol's id, not the owner's.
    assert.equal((await get('/orders/7', 'carol-key')).status, 403);
    const mine = await get('/orders/7', 'dave-key');
    assert.equal(mine.status, 200);
    assert.equal(await mine.text(), orders['/orders/7'], 'an allowed object goes out byte for byte');
    assert.equal((await get('/orders/8', 'carol-key')).status, 200);
    assert.equal((await get('/orders/8', 'dave-key')).status, 403);
    // Not written as plain digits: its exact value is unknown, so it names nobody.
    assert.equal((await get('/orders/9', 'dave-key')).status, 403);
    assert.equal((await get('/orders/9', 'carol-key')).status, 403);
    // Lists: only the caller's items, decided on exact digits; the rest of the body is kept.
    const carols = (await (await get('/orders?big', 'carol-key')).json()) as { items: { id: number }[] };
    assert.deepEqual(carols.items.map((o) => o.id), [2, 4]);
    const daves = (await (await get('/orders?big', 'dave-key')).json()) as { items: { id: number }[] };
    assert.deepEqual(daves.items.map((o) => o.id), [1]);
    // A claim that is itself a rounded number (YAML or a JWT read 9007199254740993 as ...992) owns nothing.
    assert.equal((await get('/users/9007199254740992/notes', 'numy-key')).status, 403);
    assert.equal((await get('/orders/8', 'numy-key')).status, 403);
  });

  test('a query rule refuses a repeated parameter (the upstream may read another copy)', async () => {
    assert.equal((await get('/invoices?customer=1', 'alice-key')).status, 200);
    assert.equal((await get('/invoices?customer=2', 'alice-key')).status, 403);
    assert.equal((await get('/invoices?customer=1&customer=2', 'alice-key')).status, 403);
    assert.equal((await get('/invoices?customer=2&customer=1', 'alice-key')).status, 403);
    assert.equal((await get('/invoices', 'alice-key')).status, 403);
  });

  // PHP reads `.` and blanks as `_` (the last copy wins), ASP.NET Core ignores case (the first wins),
  // qs and PHP read `customer_id[]` as the same parameter, older Python and Perl split at `;`.
  test('a query rule refuses another parameter that a framework reads as the same name', async () => {
    const before = upstream.received.length;
    for (const query of [
      'customer_id=2&customer.id=1',
      'customer_id=2&customer%20id=1',
      'customer_id=2&customer+id=1',
      'Customer_ID=1&customer_id=2',
      'customer_id=2&CUSTOMER_ID=1',
      'customer_id=2&customer_id%5B%5D=1',
      'customer_id=2&customer_id[x]=1',
      'customer_id=2&x=1;customer_id=1',
      'customer_id=2&customer%u005fid=1',
      'customer_id=2&%20customer_id=1',
    ]) assert.equal((await get(`/bills?${query}`, 'bob-key')).status, 403, query);
    assert.equal(upstream.received.length, before, 'nothing reached the upstream');
    assert.equal((await get('/bills?customer_id=2', 'bob-key')).status, 200);
    assert.equal((await get('/bills?customer_id=2&customer=1&id=1&customer_ids=1', 'bob-key')).status, 200, 'other names are not copies');
    assert.equal((await get('/bills?Customer_ID=2', 'bob-key')).status, 403, 'the rule reads its parameter as spelt');
  });

  // Laravel's $request->userId prefers the query (or body) over the route parameter.
  test('a path rule refuses a query parameter read as the same name', async () => {
    assert.equal((await get('/users/2/notes', 'bob-key')).status, 200);
    const before = upstream.received.length;
    for (const query of ['userId=1', 'userid=1', 'userId%5B%5D=1', 'USERID=2']) assert.equal((await get(`/users/2/notes?${query}`, 'bob-key')).status, 403, query);
    assert.equal(upstream.received.length, before, 'nothing reached the upstream');
    assert.equal((await get('/users/2/notes?user=1&page=2', 'bob-key')).status, 200);
  });

  // Laravel's $request->input('userId') merges the body over the route; no other policy reads this body.
  test('a path rule refuses a body field read as the same name, the body read for this', async () => {
    const put = (type: string, body: string | Buffer, extra: Record<string, string> = {}) =>
      fetch(`${gw.url}/users/2/notes`, { method: 'PUT', headers: { 'x-api-key': 'bob-key', 'content-type': type, ...extra }, body });
    const before = upstream.received.length;
    const copies: [string, string | Buffer, Record<string, string>?][] = [
      ['application/json', '{"title":"x","userId":"1"}'],
      ['application/json; charset=utf-8', '{"USERID":"2"}'],
      ['text/json', '{"userId":"1"}'],
      ['application/vnd.api+json', '{"user_id[]":"1","userId":"1"}'],
      ['application/json; charset=utf-16le', Buffer.from('{"userId":"1"}', 'utf16le')],
      ['application/json', gzipSync('{"userId":"1"}'), { 'content-encoding': 'gzip' }],
      ['application/x-www-form-urlencoded', 'title=x&userId=1'],
      ['Application/X-WWW-Form-Urlencoded;charset=utf-8', 'user%49d=1'],
      ['multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="userid"\r\n\r\n1\r\n--b--\r\n'],
      // Rack takes the last boundary parameter: the part is read there.
      ['multipart/form-data; boundary=a; boundary=b', '--b\r\nContent-Disposition: form-data; name="userId"\r\n\r\n1\r\n--b--\r\n'],
    ];
    for (const [type, body, extra] of copies) assert.equal((await put(type, body, extra)).status, 403, `${type} ${String(body)}`);
    assert.equal(upstream.received.length, before, 'nothing reached the upstream');
    const kept = '{"title":"x","owner":{"userId":"1"}}';
    assert.equal((await put('application/json', kept)).status, 200, 'nested fields are not copies');
    assert.equal(upstream.received.at(-1)?.body.toString(), kept, 'the body read is forwarded whole');
    assert.equal((await put('text/plain', 'userId=1')).status, 200, 'no parser reads fields from text');
  });

  test('a list rule on an object checks it as one item; no list shows nothing to check', async () => {
    assert.equal((await get('/orders?one', 'alice-key')).status, 403);
    assert.deepEqual(await (await get('/orders?mine', 'alice-key')).json(), { items: { id: 1, ownerId: 1 } });
    assert.deepEqual(await (await get('/orders?none', 'alice-key')).json(), { total: 0 });
    assert.deepEqual(await (await get('/orders?query', 'alice-key')).json(), { total: 0, query: { ownerId: '1' } }, 'no list of items: nothing to filter');
    // Items with the owner field elsewhere than the rule says (another shape): withheld, not passed.
    for (const shape of ['/orders?top', '/orders?elsewhere']) {
      const res = await get(shape, 'alice-key');
      assert.equal(res.status, 502, shape);
      assert.ok(!(await res.text()).includes('BOB-PRIVATE'), shape);
    }
  });

  test('a rule naming a path parameter the operation lacks is refused at load', async () => {
    await assert.rejects(startTestGateway(config(upstream.url, '        operations:\n          notes: [{ path: nope, claim: sub }]\n'), { 'spec.yaml': spec }), /no path parameter "nope"/);
  });
});
