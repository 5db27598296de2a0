// Through a real gateway and upstream: what the document allows passes byte for byte, the rest is
// refused before the upstream sees it.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { startTestGateway, suiteGateway, type TestGateway } from '../../../test/helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';

const spec30 = `openapi: 3.0.3
info: { title: t, version: '1' }
servers: [{ url: /v1 }]
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 50 } }
        - { name: tag, in: query, schema: { type: array, items: { type: string, maxLength: 10 } } }
        - { name: filter, in: query, style: deepObject, schema: { type: object, properties: { color: { type: string, enum: [red, blue] } }, additionalProperties: false } }
        - { name: X-Tenant, in: header, required: true, schema: { type: string, pattern: '^[a-z]+$' } }
      responses: { '200': { description: ok } }
    post:
      operationId: createItem
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: '#/components/schemas/Item' }
      responses: { '201': { description: created } }
  /notes:
    post:
      operationId: createNote
      requestBody:
        required: true
        content:
          application/json; charset=utf-8:
            schema: { type: object, required: [text], properties: { text: { type: string, maxLength: 5 } } }
      responses: { '201': { description: created } }
  /items/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer, exclusiveMinimum: true, minimum: 0 } }
    get:
      operationId: getItem
      responses: { '200': { description: ok } }
components:
  schemas:
    Item:
      type: object
      additionalProperties: false
      required: [name]
      properties:
        name: { type: string, maxLength: 20 }
        note: { type: string, nullable: true }
        children: { type: array, maxItems: 3, items: { $ref: '#/components/schemas/Item' } }
`;

describe('validate policy (OpenAPI 3.0)', () => {
  const suite = suiteGateway(
    `  - name: items
    spec: ./spec.yaml
    upstream: backend
    policies:
      validate: {}
`,
    { 'spec.yaml': spec30 },
  );
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${suite.gw.url}/v1${path}`, { ...init, headers: { 'x-tenant': 'acme', ...(init.headers as Record<string, string>) } });

  async function refused(res: Response, status = 400): Promise<{ code: string; errors?: { in: string; name?: string; message: string }[] }> {
    assert.equal(res.status, status);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    return (await res.json()) as { code: string; errors?: { in: string; name?: string; message: string }[] };
  }

  test('valid requests pass unchanged, bodies byte for byte', async () => {
    assert.equal((await call('/items?limit=10&tag=a&tag=b&filter[color]=red')).status, 200);
    const body = '{"name":"box","note":null,"children":[{"name":"lid"}]}';
    const res = await call('/items', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 200);
    assert.equal(suite.upstream.received.at(-1)!.body.toString(), body);
    assert.equal((await call('/items/7')).status, 200);
  });

  test('parameters are checked with their types, styles and limits', async () => {
    const before = suite.upstream.received.length;
    assert.equal((await refused(await call('/items?limit=500'))).errors![0]!.name, 'limit');
    await refused(await call('/items?limit=ten'));
    await refused(await call('/items?limit=1&limit=2')); // scalar sent twice: parameter pollution
    await refused(await call('/items?tag=waytoolongvalue'));
    await refused(await call('/items?filter[color]=green'));
    // Keys the client names are keys, whatever they are called: no prototype to hide one in.
    await refused(await call('/items?filter[__proto__]=red'));
    await refused(await call('/items?filter[constructor]=red'));
    await refused(await call('/items?filter[color]=red&filter[__proto__][color]=green'));
    await refused(await call('/items?unknown=1'));
    const noHeader = await fetch(`${suite.gw.url}/v1/items`);
    assert.equal((await refused(noHeader)).errors![0]!.message, 'is required');
    await refused(await call('/items', { headers: { 'x-tenant': 'ACME<script>' } }));
    await refused(await call('/items/0')); // exclusiveMinimum (3.0 boolean form)
    await refused(await call('/items/abc'));
    assert.equal(suite.upstream.received.length, before, 'nothing invalid reached the upstream');
  });

  test('bodies: media type, JSON, schema (recursive), required', async () => {
    const before = suite.upstream.received.length;
    const post = (body: string, type = 'application/json') => call('/items', { method: 'POST', body, headers: { 'content-type': type } });
    assert.equal((await refused(await post('name=x', 'application/x-www-form-urlencoded'), 415)).code, 'PCL_ERR_UNSUPPORTED_MEDIA_TYPE');
    assert.equal((await refused(await post('{"name":'))).errors![0]!.message, 'is not valid JSON');
    await refused(await post('{"name":"x","role":"admin"}'));
    await refused(await post('{"name":"x","children":[{"name":"y","children":[{"name":1}]}]}'));
    await refused(await post('{}'));
    await refused(await call('/items', { method: 'POST' }));
    await refused(await post(`${'['.repeat(100)}${']'.repeat(100)}`));
    // The copy JSON.parse keeps is valid; a parser keeping the first would read the other.
    assert.match((await refused(await post('{"name":"x","role":"admin","role":"user"}'))).errors![0]!.message, /repeats a key/);
    assert.equal((await refused(await post('{"name":1,"name":"x"}'))).errors![0]!.message, 'repeats a key in an object (parsers differ on which copy counts)');
    assert.equal(suite.upstream.received.length, before, 'nothing invalid reached the upstream');
    // Read as Express and Python decode it: a byte-order mark dropped, UTF-16 by its charset or bytes.
    const raw = (body: Buffer, type: string) => call('/items', { method: 'POST', body, headers: { 'content-type': type } });
    assert.equal((await raw(Buffer.from('\ufeff{"name":"x"}'), 'application/json')).status, 200);
    assert.equal((await raw(Buffer.from('{"name":"x"}', 'utf16le'), 'application/json; charset=utf-16le')).status, 200);
    await refused(await raw(Buffer.from('{"name":"x","role":"admin"}', 'utf16le'), 'application/json'));
    assert.match((await refused(await raw(Buffer.from('{"name":"x"}'), 'application/json; charset=utf-16'))).errors![0]!.message, /encoding/);
  });

  test('a compressed body is validated as the upstream will read it, and forwarded compressed', async () => {
    const before = suite.upstream.received.length;
    const post = (body: Buffer, encoding: string) => call('/items', { method: 'POST', body, headers: { 'content-type': 'application/json', 'content-encoding': encoding } });
    const good = gzipSync('{"name":"box"}');
    assert.equal((await post(good, 'gzip')).status, 200);
    assert.deepEqual(suite.upstream.received.at(-1)!.body, good, 'forwarded as sent');
    assert.equal((await post(brotliCompressSync('{"name":"box"}'), 'br')).status, 200);
    await refused(await post(gzipSync('{"name":"x","role":"admin"}'), 'gzip'));
    await refused(await post(gzipSync(`${'['.repeat(100)}${']'.repeat(100)}`), 'gzip'));
    assert.equal((await refused(await post(Buffer.from('{"name":"box"}'), 'gzip'))).code, 'PCL_ERR_BAD_REQUEST');
    assert.equal((await refused(await post(good, 'zstd'), 415)).code, 'PCL_ERR_UNSUPPORTED_MEDIA_TYPE');
    assert.equal(suite.upstream.received.length, before + 2, 'only the two valid bodies reached the upstream');
  });

  test('a media type declared with parameters is matched on the bare type', async () => {
    const post = (body: string, type = 'application/json') => call('/notes', { method: 'POST', headers: { 'content-type': type }, body });
    assert.equal((await post('{"text":"hi"}')).status, 200);
    assert.equal((await post('{"text":"hi"}', 'Application/JSON; charset=UTF-8')).status, 200);
    assert.equal((await refused(await post('{"text":"too long"}'))).code, 'PCL_ERR_VALIDATION');
    assert.equal((await refused(await post('text=hi', 'application/x-www-form-urlencoded'), 415)).code, 'PCL_ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  test('refusals never echo the offending value', async () => {
    const marker = 'zz<script>alert(1)</script>';
    const res = await call(`/items?tag=${encodeURIComponent(marker)}`);
    const text = await res.text();
    assert.equal(res.status, 400);
    assert.ok(!text.includes('<script>') && !text.includes('alert'), text);
  });
});

// Parsers disagree on a value sent twice (Express: an array; Werkzeug's args.get and PHP: one copy;
// Django: the last cookie; Express's cookie parser: the first). Whatever the schema does not make an
// array is read once or refused, so the copy the gateway validated is the only one the upstream can read.
const repeats = `openapi: 3.0.3
info: { title: t, version: '1' }
paths:
  /search:
    get:
      operationId: search
      parameters:
        - name: filter
          in: query
          style: deepObject
          explode: true
          schema:
            type: object
            additionalProperties: false
            properties:
              role: { type: string, enum: [user] }
              tags: { type: array, items: { type: string, maxLength: 5 } }
        - { name: color, in: query, schema: { $ref: '#/components/schemas/Color' } }
        - { name: ids, in: query, style: pipeDelimited, schema: { type: array, minItems: 2, items: { type: integer } } }
        - { name: mode, in: cookie, schema: { type: string, enum: [basic] } }
        - { name: X-Tenant, in: header, schema: { type: string, maxLength: 20 } }
      responses: { '200': { description: ok } }
  /items/{id}:
    get:
      operationId: getItem
      parameters:
        - { name: id, in: path, required: true, style: matrix, schema: { type: integer } }
      responses: { '200': { description: ok } }
components:
  schemas:
    Color:
      type: object
      additionalProperties: false
      properties:
        R: { type: integer, maximum: 255 }
        G: { type: integer, maximum: 255 }
`;

describe('validate policy: a parameter sent twice', () => {
  const suite = {} as { upstream: TestUpstream; gw: TestGateway };
  before(async () => {
    suite.upstream = await startUpstream();
    suite.gw = await startTestGateway(
      `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
forwarding: { pathParameters: true }
upstreams: { backend: { url: ${suite.upstream.url} } }
apis:
  - name: t
    spec: ./spec.yaml
    upstream: backend
    policies:
      validate: { responses: off }
`,
      { 'spec.yaml': repeats },
    );
  });
  after(async () => {
    await suite.gw?.close();
    await suite.upstream?.close();
  });

  /** A GET with raw header lines ([name, value] pairs, repeats kept as separate lines; Node adds no Host then). */
  const get = (path: string, lines: [string, string][] = []) =>
    new Promise<{ status: number; body: any }>((resolve, reject) => {
      const u = new URL(suite.gw.url);
      const req = httpRequest({ host: u.hostname, port: u.port, path, headers: [['host', u.host], ...lines].flat() }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: res.headers['content-type']?.includes('json') ? JSON.parse(text) : text });
        });
      });
      req.on('error', reject).end();
    });
  const refusedRepeat = async (path: string, lines: [string, string][] = [], name?: string, pointer?: string) => {
    const before = suite.upstream.received.length;
    const res = await get(path, lines);
    assert.equal(res.status, 400, path);
    assert.equal(res.body.code, 'PCL_ERR_VALIDATION');
    const error = res.body.errors.find((e: any) => e.message === 'must not be repeated');
    assert.ok(error, JSON.stringify(res.body.errors));
    if (name) assert.equal(error.name, name);
    assert.equal(error.pointer, pointer);
    assert.equal(suite.upstream.received.length, before, `${path} reached the upstream`);
  };

  test('deepObject: a member sent twice is refused, not validated as its last copy', async () => {
    assert.equal((await get('/search?filter[role]=user')).status, 200);
    assert.equal((await get('/search?filter[role]=admin')).status, 400);
    await refusedRepeat('/search?filter[role]=admin&filter[role]=user', [], 'filter', '/role');
    await refusedRepeat('/search?filter[role]=user&filter%5Brole%5D=admin', [], 'filter', '/role');
    // A member whose schema is an array may repeat: every copy is validated.
    assert.equal((await get('/search?filter[tags]=a&filter[tags]=b')).status, 200);
    assert.equal((await get('/search?filter[tags]=a&filter[tags]=toolong')).status, 400);
    // Nesting (qs and PHP read filter[role][] as an array in filter.role) and the bare name are refused.
    for (const q of ['filter[role][]=admin', 'filter[]=admin', 'filter[role]=user&filter=admin']) {
      const res = await get(`/search?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(res.body.errors[0].message, 'is not in deepObject style', q);
    }
  });

  test('form, exploded object: its members are read and each may be sent once', async () => {
    assert.equal((await get('/search?R=100&G=200')).status, 200);
    assert.equal((await get('/search?R=300')).status, 400);
    await refusedRepeat('/search?R=100&R=200', [], 'color', '/R');
    assert.equal((await get('/search?B=1')).status, 400, 'not a member: an unknown parameter');
  });

  test('pipeDelimited list: sent twice is refused, not joined', async () => {
    assert.equal((await get('/search?ids=1|2')).status, 200);
    await refusedRepeat('/search?ids=1&ids=2|3', [], 'ids');
  });

  test('a cookie parameter sent twice, in one Cookie header or two, is refused', async () => {
    assert.equal((await get('/search', [['cookie', 'mode=basic']])).status, 200);
    assert.equal((await get('/search', [['cookie', 'mode=evil']])).status, 400);
    await refusedRepeat('/search', [['cookie', 'mode=basic; mode=evil']], 'mode');
    await refusedRepeat('/search', [['cookie', 'mode=basic'], ['cookie', 'mode=evil']], 'mode');
    // Cookies the document does not declare are not its business.
    assert.equal((await get('/search', [['cookie', 'mode=basic; other=1; other=2']])).status, 200);
  });

  test('a scalar header parameter sent on two lines is refused, not validated joined', async () => {
    assert.equal((await get('/search', [['x-tenant', 'acme']])).status, 200);
    await refusedRepeat('/search', [['x-tenant', 'acme'], ['x-tenant', 'evil']], 'x-tenant');
  });

  test('matrix path parameter: read by its style, named twice refused', async () => {
    assert.equal((await get('/items/;id=5')).status, 200);
    assert.equal((await get('/items/;id=x')).status, 400);
    assert.equal((await get('/items/5')).status, 400);
    await refusedRepeat('/items/;id=5;id=6', [], 'id');
  });
});
