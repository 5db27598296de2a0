// Through a real gateway and upstream: bodies that set readOnly, role-protected or undeclared
// properties are refused (or stripped) before the upstream sees them; admins may write what they own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { hashApiKey } from '../../auth/api-key.ts';
import { foldName } from './walk.ts';
import { startTestGateway, type TestGateway } from '../../../test/helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';

const USER_KEY = 'mass-assignment-user-key-0123456789';
const ADMIN_KEY = 'mass-assignment-admin-key-0123456789';

const spec = `openapi: 3.0.3
info: { title: t, version: '1' }
paths:
  /accounts/{id}:
    patch:
      operationId: updateAccount
      parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: '#/components/schemas/Account' }
      responses: { '200': { description: ok } }
  /orders:
    post:
      operationId: createOrder
      requestBody:
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              properties:
                items:
                  type: array
                  items: { $ref: '#/components/schemas/LineItem' }
      responses: { '201': { description: ok } }
  /profiles:
    post:
      operationId: createProfile
      requestBody:
        content:
          application/json; charset=utf-8:
            schema:
              type: object
              properties:
                name: { type: string }
                verified: { type: boolean, readOnly: true }
      responses: { '201': { description: ok } }
  /members:
    post:
      operationId: createMember
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: { $ref: '#/components/schemas/Member' }
          multipart/form-data:
            schema: { $ref: '#/components/schemas/Member' }
      responses: { '201': { description: ok } }
components:
  schemas:
    Member:
      type: object
      additionalProperties: false
      properties:
        name: { type: string }
        role: { type: string, readOnly: true }
        balance: { type: number }
        tags: { type: array, items: { type: string } }
        profile:
          type: object
          properties:
            bio: { type: string }
            isAdmin: { type: boolean, readOnly: true }
        items: { type: array, items: { $ref: '#/components/schemas/LineItem' } }
    LineItem:
      type: object
      properties:
        sku: { type: string }
        price: { type: number, readOnly: true }
    Account:
      type: object
      properties:
        id: { type: integer, readOnly: true }
        name: { type: string }
        role: { type: string, x-portcullis-write-roles: [admin] }
        balance: { type: number }
`;

const config = (action: string) => `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: "\${UPSTREAM}" } }
apis:
  - name: api
    spec: ./spec.yaml
    upstream: backend
    policies:
      auth-apikey:
        format: any
        consumers:
          - { id: user, roles: [user], keys: [{ sha256: ${hashApiKey(USER_KEY)} }] }
          - { id: root, roles: [admin], keys: [{ sha256: ${hashApiKey(ADMIN_KEY)} }] }
      mass-assignment:
        action: ${action}
        protected: [{ property: balance, roles: [admin] }]
`;

const BOUNDARY = 'mass-assignment-boundary';
/** A multipart/form-data body: [name, content, part Content-Type?] per part. */
const multipart = (parts: [string, string, string?][]) =>
  parts.map(([name, content, type]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n${type ? `Content-Type: ${type}\r\n` : ''}\r\n${content}\r\n`).join('') + `--${BOUNDARY}--\r\n`;

describe('mass-assignment policy', () => {
  let upstream: TestUpstream;
  let reject: TestGateway;
  let strip: TestGateway;
  const send = (gw: TestGateway, path: string, body: unknown, key = USER_KEY, method = 'PATCH') =>
    fetch(`${gw.url}${path}`, { method, headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  before(async () => {
    upstream = await startUpstream();
    const env = { ...process.env, UPSTREAM: upstream.url };
    reject = await startTestGateway(config('reject'), { 'spec.yaml': spec }, env);
    strip = await startTestGateway(config('strip'), { 'spec.yaml': spec }, env);
  });
  after(async () => {
    await reject.close();
    await strip.close();
    await upstream.close();
  });

  test('readOnly, role-protected and closed-schema properties are refused with 400, naming each by pointer', async () => {
    const before = upstream.received.length;
    const res = await send(reject, '/accounts/1', { name: 'x', id: 9, role: 'admin', balance: 1e6 });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { code: string; errors: { pointer: string; message: string }[] };
    assert.equal(body.code, 'PCL_ERR_MASS_ASSIGNMENT');
    assert.deepEqual(body.errors.map((e) => e.pointer).sort(), ['/balance', '/id', '/role']);
    assert.doesNotMatch(JSON.stringify(body), /1000000|admin"/);
    const nested = await send(reject, '/orders', { items: [{ sku: 'a', price: 0 }], discount: 100 }, USER_KEY, 'POST');
    assert.deepEqual(((await nested.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer).sort(), ['/discount', '/items/0/price']);
    assert.equal(upstream.received.length, before, 'nothing reached the upstream');
  });

  test('callers with the role may write what it protects; readOnly stays refused for everyone', async () => {
    assert.equal((await send(reject, '/accounts/1', { role: 'admin', balance: 5 }, ADMIN_KEY)).status, 200);
    assert.equal((await send(reject, '/accounts/1', { id: 2 }, ADMIN_KEY)).status, 400);
    assert.equal((await send(reject, '/accounts/1', { name: 'ok' })).status, 200);
  });

  test('strip mode forwards the body without them, with a correct Content-Length', async () => {
    const res = await send(strip, '/accounts/1', { name: 'x', id: 9, role: 'admin', balance: 1e6 });
    assert.equal(res.status, 200);
    const got = upstream.received.at(-1)!;
    assert.deepEqual(JSON.parse(got.body.toString()), { name: 'x' });
    assert.equal(got.headers['content-length'], String(got.body.length));
    await send(strip, '/orders', { items: [{ sku: 'a', price: 0 }, { sku: 'b' }] }, USER_KEY, 'POST');
    assert.deepEqual(JSON.parse(upstream.received.at(-1)!.body.toString()), { items: [{ sku: 'a' }, { sku: 'b' }] });
  });

  test('stripped, the rest of the body keeps the numbers as sent: 64-bit ids, long amounts, exponents beyond a double', async () => {
    const raw = '{"name":"x","role":"admin","ref":12345678901234567891,"amount":12345678901234.5678,"big":1e400,"tiny":1e-400,"items":[{"n":-9007199254740993}],"small":1e3}';
    const res = await fetch(`${strip.url}/accounts/1`, { method: 'PATCH', headers: { 'x-api-key': USER_KEY, 'content-type': 'application/json' }, body: raw });
    assert.equal(res.status, 200);
    assert.equal(upstream.received.at(-1)!.body.toString(), '{"name":"x","ref":12345678901234567891,"amount":12345678901234.5678,"big":1e400,"tiny":1e-400,"items":[{"n":-9007199254740993}],"small":1000}');
  });

  test('a compressed body is checked decoded; stripped, it is forwarded compressed the same way', async () => {
    const before = upstream.received.length;
    const gz = (gw: TestGateway, body: unknown) =>
      fetch(`${gw.url}/accounts/1`, { method: 'PATCH', headers: { 'x-api-key': USER_KEY, 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify(body)) });
    const refused = await gz(reject, { name: 'x', role: 'admin' });
    assert.equal(refused.status, 400);
    assert.equal(((await refused.json()) as { code: string }).code, 'PCL_ERR_MASS_ASSIGNMENT');
    assert.equal(upstream.received.length, before, 'a gzip body with a forbidden property never reaches the upstream');
    assert.equal((await gz(strip, { name: 'x', role: 'admin' })).status, 200);
    const got = upstream.received.at(-1)!;
    assert.equal(got.headers['content-encoding'], 'gzip');
    assert.equal(got.headers['content-length'], String(got.body.length));
    assert.deepEqual(JSON.parse(gunzipSync(got.body).toString()), { name: 'x' });
    const br = await fetch(`${strip.url}/accounts/1`, { method: 'PATCH', headers: { 'x-api-key': USER_KEY, 'content-type': 'application/json', 'content-encoding': 'br' }, body: brotliCompressSync(JSON.stringify({ name: 'y', role: 'admin' })) });
    assert.equal(br.status, 200);
    assert.equal(upstream.received.at(-1)!.headers['content-encoding'], 'br');
    assert.deepEqual(JSON.parse(brotliDecompressSync(upstream.received.at(-1)!.body).toString()), { name: 'y' });
  });

  test('an unchanged body is forwarded byte for byte', async () => {
    const raw = '{"name":  "spaces"}';
    await fetch(`${strip.url}/accounts/1`, { method: 'PATCH', headers: { 'x-api-key': USER_KEY, 'content-type': 'application/json' }, body: raw });
    assert.equal(upstream.received.at(-1)!.body.toString(), raw);
  });

  // Go's encoding/json and ASP.NET Core bind "Role" or "ROLE" to the property "role".
  test('keys that differ from a readOnly, role-gated or protected name only in case are checked as that property', async () => {
    const before = upstream.received.length;
    const res = await send(reject, '/accounts/1', { name: 'x', Id: 9, ROLE: 'admin', Balance: 1e9 });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { code: string; errors: { pointer: string }[] };
    assert.equal(body.code, 'PCL_ERR_MASS_ASSIGNMENT');
    assert.deepEqual(body.errors.map((e) => e.pointer).sort(), ['/Balance', '/Id', '/ROLE']);
    // Both spellings in one object: each is refused.
    const both = await send(reject, '/accounts/1', { role: 'user', Role: 'admin' });
    assert.deepEqual(((await both.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer).sort(), ['/Role', '/role']);
    // Nested objects too.
    const nested = await send(reject, '/orders', { items: [{ sku: 'a', PRICE: 0 }] }, USER_KEY, 'POST');
    assert.deepEqual(((await nested.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer), ['/items/0/PRICE']);
    assert.equal(upstream.received.length, before, 'nothing reached the upstream');
    // Strip mode forwards the body without them.
    assert.equal((await send(strip, '/accounts/1', { name: 'x', iD: 9, Role: 'admin', BALANCE: 5 })).status, 200);
    assert.deepEqual(JSON.parse(upstream.received.at(-1)!.body.toString()), { name: 'x' });
    // Unchanged: writable names in any case, and the roles that may write what they gate.
    assert.equal((await send(reject, '/accounts/1', { Name: 'ok' })).status, 200);
    assert.equal((await send(reject, '/accounts/1', { Role: 'admin', Balance: 5 }, ADMIN_KEY)).status, 200);
    // Go also folds the Kelvin sign onto "k" and the long s onto "s".
    assert.equal(foldName('\u212Aey'), 'key');
    assert.equal(foldName('I\u017FADMIN'), 'isadmin');
  });

  // A JavaScript upstream doing Object.assign(user, body) reads `__proto__` as the prototype (and
  // deep-merge helpers follow constructor.prototype): the schema is open, yet role is set.
  test('prototype keys (__proto__, constructor.prototype) are refused at any depth, whatever the schema and the action', async () => {
    const attack = '{"name":"x","__proto__":{"role":"admin"}}';
    assert.equal((Object.assign({ name: 'x' }, JSON.parse(attack)) as { role?: string }).role, 'admin');
    const before = upstream.received.length;
    const cases: [string, string[]][] = [
      [attack, ['/__proto__']],
      ['{"constructor":{"prototype":{"role":"admin"}}}', ['/constructor', '/constructor/prototype']],
      ['{"name":"x","extra":[{"deep":{"__proto__":{"isAdmin":true}}}]}', ['/extra/0/deep/__proto__']], // where no schema reaches
      ['{"\\u005f_proto__":{"role":"admin"}}', ['/__proto__']], // an escaped key is the same key
    ];
    for (const gw of [reject, strip]) {
      for (const [raw, expected] of cases) {
        const res = await fetch(`${gw.url}/accounts/1`, { method: 'PATCH', headers: { 'x-api-key': USER_KEY, 'content-type': 'application/json' }, body: raw });
        assert.equal(res.status, 400, raw);
        const body = (await res.json()) as { code: string; errors: { pointer: string; message: string }[] };
        assert.equal(body.code, 'PCL_ERR_MASS_ASSIGNMENT');
        assert.deepEqual(body.errors.map((e) => e.pointer).sort(), expected, raw);
        assert.match(body.errors[0]!.message, /prototype key/);
      }
    }
    assert.equal(upstream.received.length, before, 'nothing reached the upstream');
    // The words as values, or inside longer names, are nobody's prototype.
    assert.equal((await send(reject, '/accounts/1', { name: '__proto__ constructor prototype', prototypeName: 'x' })).status, 200);
    // Nor are a lone constructor or prototype: ordinary names (an F1 team's constructor, a product's prototype flag).
    assert.equal((await send(reject, '/accounts/1', { name: 'x', extra: { constructor: 'Ferrari', prototype: true } })).status, 200);
  });

  test('a JSON body that does not parse, or repeats a key, is refused (validation may be off)', async () => {
    const before = upstream.received.length;
    const cases = [
      ['{"name":', 'is not valid JSON'],
      ['{"name":NaN}', 'is not valid JSON'],
      // JSON.parse keeps the last copy; a parser that keeps the first would set the role.
      ['{"role":"admin","role":"user"}', 'repeats a key in an object (parsers differ on which copy counts)'],
      ['{"profile":{"a":1},"profile":{"b":2}}', 'repeats a key in an object (parsers differ on which copy counts)'],
    ] as const;
    for (const gw of [reject, strip]) {
      for (const [raw, message] of cases) {
        const res = await fetch(`${gw.url}/accounts/1`, { method: 'PATCH', headers: { 'x-api-key': USER_KEY, 'content-type': 'application/json' }, body: raw });
        assert.equal(res.status, 400, raw);
        assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
        const body = (await res.json()) as { code: string; errors: { in: string; message: string }[] };
        assert.equal(body.code, 'PCL_ERR_VALIDATION');
        assert.deepEqual(body.errors, [{ in: 'body', message }]);
      }
    }
    assert.equal(upstream.received.length, before, 'nothing reached the upstream');
  });

  // Express drops a byte-order mark and decodes UTF-16 by the charset; Python detects UTF-16 from the bytes.
  test('a JSON body is read as its parsers decode it: a byte-order mark dropped, UTF-16; never rewritten out of UTF-8', async () => {
    const before = upstream.received.length;
    const bodies: [Buffer, string][] = [
      [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"role":"admin"}')]), 'application/json'],
      [Buffer.from('{"role":"admin"}', 'utf16le'), 'application/json; charset=utf-16le'],
      [Buffer.from('{"role":"admin"}', 'utf16le'), 'application/json'],
    ];
    // strip refuses too: the stripped body would be UTF-8 under a label or bytes that say otherwise.
    for (const gw of [reject, strip]) {
      for (const [raw, type] of bodies) {
        const res = await fetch(`${gw.url}/accounts/1`, { method: 'PATCH', headers: { 'x-api-key': USER_KEY, 'content-type': type }, body: raw });
        assert.equal(res.status, 400, type);
        assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_MASS_ASSIGNMENT');
      }
    }
    // A UTF-8 body labelled UTF-16 reads differently to Express and to Python: refused.
    const mislabelled = await fetch(`${reject.url}/accounts/1`, { method: 'PATCH', headers: { 'x-api-key': USER_KEY, 'content-type': 'application/json; charset=utf-16' }, body: '{"name":"x"}' });
    assert.equal(mislabelled.status, 400);
    assert.equal(((await mislabelled.json()) as { code: string }).code, 'PCL_ERR_VALIDATION');
    assert.equal(upstream.received.length, before, 'nothing reached the upstream');
  });

  test('a media type declared with parameters (application/json; charset=utf-8) is checked', async () => {
    const res = await send(reject, '/profiles', { name: 'x', verified: true }, USER_KEY, 'POST');
    assert.equal(res.status, 400);
    assert.deepEqual(((await res.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer), ['/verified']);
    const charset = await fetch(`${reject.url}/profiles`, { method: 'POST', headers: { 'x-api-key': USER_KEY, 'content-type': 'Application/JSON; charset=UTF-8' }, body: '{"verified":true}' });
    assert.equal(charset.status, 400);
    assert.equal((await send(reject, '/profiles', { name: 'x' }, USER_KEY, 'POST')).status, 200);
  });

  test('a body in a media type the operation does not declare is refused (415), not passed unchecked', async () => {
    const before = upstream.received.length;
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const res = await fetch(`${reject.url}/accounts/1`, { method: 'PATCH', headers: { 'x-api-key': USER_KEY, ...(type ? { 'content-type': type } : {}) }, body: '{"role":"admin"}' });
      assert.equal(res.status, 415, String(type));
      assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_UNSUPPORTED_MEDIA_TYPE');
    }
    assert.equal(upstream.received.length, before, 'nothing reached the upstream');
  });

  describe('form bodies', () => {
    const post = (gw: TestGateway, type: string, body: string, key = USER_KEY) =>
      fetch(`${gw.url}/members`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': type }, body });
    const form = (gw: TestGateway, body: string, key = USER_KEY) => post(gw, 'application/x-www-form-urlencoded', body, key);
    const parts = (gw: TestGateway, body: string) => post(gw, `multipart/form-data; boundary=${BOUNDARY}`, body);
    const pointers = async (res: Response) => {
      const body = (await res.json()) as { code: string; errors: { pointer: string }[] };
      assert.equal(res.status, 400);
      assert.equal(body.code, 'PCL_ERR_MASS_ASSIGNMENT');
      return body.errors.map((e) => e.pointer).sort();
    };

    test('a urlencoded field the JSON body could not set is refused the same way, under every name it may be bound to', async () => {
      const before = upstream.received.length;
      const refused: [string, string[]][] = [
        ['name=x&role=admin', ['/role']],
        ['ROLE=admin', ['/ROLE']],
        ['%72ole=admin', ['/role']], // percent-encoded name
        ['%52%4f%4c%45=admin', ['/ROLE']],
        ['name=a&name=b&role=user&role=admin', ['/role']], // repeated fields
        ['balance=100', ['/balance']], // config `protected`
        ['discount=100', ['/discount']], // closed schema
        ['profile[isAdmin]=true', ['/profile/isAdmin']], // brackets: Rails, PHP, qs
        ['profile.isAdmin=true', ['/profile/isAdmin']], // dots: ASP.NET Core, Spring, gorilla/schema
        ['nickname[first]=x', ['/nickname_first_']], // closed schema, read no way as a declared property (pointers name only [A-Za-z0-9_./~-])
        ['profile.bio=x&x.y=1', ['/x.y']],
        ['profile%5BIsAdmin%5D=1', ['/profile/IsAdmin']],
        ['items[0][price]=0&items[0][sku]=a', ['/items/0/price']],
        ['items[][price]=0', ['/items//price']],
        ['role[]=admin', ['/role']],
        ['+role=admin', ['/role']], // PHP drops leading blanks
        ['is.admin=1&role.x=1', ['/is.admin', '/role']], // PHP reads `is.admin` as `is_admin` (undeclared all the same)
        ['name=x;role=admin', ['/role']], // `;` separates pairs for older Python and Perl
        ['%u0072ole=admin', ['/role']], // %u escapes: older ASP.NET
      ];
      for (const [body, expected] of refused) assert.deepEqual(await pointers(await form(reject, body)), expected, body);
      assert.equal(upstream.received.length, before, 'nothing reached the upstream');
    });

    test('prototype keys under any reading of a field name are refused, in urlencoded and multipart bodies, strip mode included', async () => {
      const before = upstream.received.length;
      const refused: [string, string[]][] = [
        ['name=x&profile[__proto__][isAdmin]=1', ['/profile/__proto__']], // profile's schema is open
        ['__proto__[role]=admin', ['/__proto__']],
        ['profile.constructor.prototype.isAdmin=1', ['/profile/constructor', '/profile/constructor/prototype']],
        // Cut at the last segment read: the rest stays one name, which a parser reading deeper takes apart.
        [`a${'[x]'.repeat(30)}[constructor][prototype][isAdmin]=1`, [`/a${'/x'.repeat(30)}/constructor`, `/a${'/x'.repeat(30)}/constructor/_prototype__isAdmin_`]],
        ['profile%5B%5F%5Fproto%5F%5F%5D%5BisAdmin%5D=1', ['/profile/__proto__']],
        ['name=x;profile[__proto__][isAdmin]=1', ['/profile/__proto__']],
      ];
      for (const gw of [reject, strip]) for (const [body, expected] of refused) assert.deepEqual(await pointers(await form(gw, body)), expected, body);
      assert.deepEqual(await pointers(await parts(reject, multipart([['profile[__proto__][isAdmin]', 'true']]))), ['/profile/__proto__']);
      assert.deepEqual(await pointers(await parts(strip, multipart([['profile', '{"bio":"b","__proto__":{"isAdmin":true}}', 'application/json']]))), ['/profile/__proto__']);
      assert.equal(upstream.received.length, before, 'nothing reached the upstream');
    });

    test('a urlencoded body with more fields than are checked is refused, not passed half-checked', async () => {
      const before = upstream.received.length;
      assert.equal((await form(reject, Array(10_000).fill('name=x').join('&'))).status, 200);
      const res = await form(reject, `${Array(10_000).fill('name=x').join('&')}&role=admin`);
      assert.equal(res.status, 400);
      const body = (await res.json()) as { code: string; errors: { message: string }[] };
      assert.equal(body.code, 'PCL_ERR_VALIDATION');
      assert.match(body.errors[0]!.message, /more than 10000 fields/);
      assert.equal(upstream.received.length, before + 1);
    });

    test('multipart parts are checked like urlencoded fields, JSON parts by their keys; an unreadable body is refused', async () => {
      const before = upstream.received.length;
      assert.deepEqual(await pointers(await parts(reject, multipart([['name', 'x'], ['role', 'admin']]))), ['/role']);
      assert.deepEqual(await pointers(await parts(reject, multipart([['profile[isAdmin]', 'true']]))), ['/profile/isAdmin']);
      assert.deepEqual(await pointers(await parts(reject, multipart([['Role', 'admin', 'text/plain']]))), ['/Role']);
      // `profile` is an object: its part is a JSON document (as validate reads it).
      assert.deepEqual(await pointers(await parts(reject, multipart([['profile', '{"bio":"b","isAdmin":true}']]))), ['/profile/isAdmin']);
      assert.deepEqual(await pointers(await parts(reject, multipart([['extra', '{"role":"admin"}', 'application/json']]))), ['/extra']);
      // A body that cannot be read is not passed unchecked (400, as a JSON body that does not parse).
      for (const [type, body] of [
        [`multipart/form-data; boundary=${BOUNDARY}`, 'role=admin'],
        ['multipart/form-data', multipart([['role', 'admin']])],
        [`multipart/form-data; boundary=${BOUNDARY}`, multipart([['profile', '{"isAdmin":']])],
      ] as const) {
        const res = await post(reject, type, body);
        assert.equal(res.status, 400, body);
        assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_VALIDATION');
      }
      assert.equal(upstream.received.length, before, 'nothing reached the upstream');
    });

    test('a clean form body is forwarded byte for byte; admins may write what the config protects', async () => {
      const clean = 'name=x&name=y&tags=a&tags%5B%5D=b&profile[bio]=hi&items[0][sku]=a&items[1].sku=b';
      assert.equal((await form(reject, clean)).status, 200);
      assert.equal(upstream.received.at(-1)!.body.toString(), clean);
      const body = multipart([['name', 'x'], ['tags', 'a'], ['profile', '{"bio":"b"}', 'application/json'], ['items[0][sku]', 'a']]);
      assert.equal((await parts(reject, body)).status, 200);
      assert.equal(upstream.received.at(-1)!.body.toString(), body);
      assert.equal((await form(reject, 'balance=5', ADMIN_KEY)).status, 200);
      assert.equal((await form(reject, 'role=admin', ADMIN_KEY)).status, 400, 'readOnly stays refused for everyone');
    });

    test('strip mode forwards the form without the fields (every occurrence), the rest as sent', async () => {
      assert.equal((await form(strip, 'name=x&role=admin&tags=a&%72ole=b&profile[isAdmin]=1&tags=c')).status, 200);
      let got = upstream.received.at(-1)!;
      assert.equal(got.body.toString(), 'name=x&tags=a&tags=c');
      assert.equal(got.headers['content-length'], String(got.body.length));
      const cases: [[string, string, string?][], [string, string, string?][]][] = [
        [[['role', 'admin'], ['name', 'x'], ['ROLE', 'a'], ['tags', 'a'], ['profile', '{"isAdmin":true}']], [['name', 'x'], ['tags', 'a']]],
        [[['name', 'x'], ['role', 'admin']], [['name', 'x']]],
        [[['role', 'admin']], []],
      ];
      for (const [sent, kept] of cases) {
        assert.equal((await parts(strip, multipart(sent))).status, 200);
        got = upstream.received.at(-1)!;
        assert.equal(got.body.toString(), multipart(kept));
        assert.equal(got.headers['content-length'], String(got.body.length));
      }
      // A preamble and a blank epilogue stay; anything else after the close delimiter is refused
      // (PHP reads parts there).
      assert.equal((await parts(strip, `preamble\r\n${multipart([['role', 'a'], ['name', 'x']])}\r\n`)).status, 200);
      assert.equal(upstream.received.at(-1)!.body.toString(), `preamble\r\n${multipart([['name', 'x']])}\r\n`);
      const before = upstream.received.length;
      assert.equal((await parts(strip, `${multipart([['name', 'x']])}epilogue`)).status, 400);
      assert.equal(upstream.received.length, before);
    });

    test('a body in a type the form operation does not declare is refused (415)', async () => {
      const before = upstream.received.length;
      for (const type of ['application/json', 'text/plain', 'multipart/mixed']) {
        const res = await post(reject, type, type === 'application/json' ? '{"role":"admin"}' : 'role=admin');
        assert.equal(res.status, 415, type);
        assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_UNSUPPORTED_MEDIA_TYPE');
      }
      assert.equal(upstream.received.length, before, 'nothing reached the upstream');
    });
  });
});
