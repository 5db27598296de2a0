// Through a real gateway and upstream: what the response schema does not let the client see is
// removed before a byte is sent; untouched bodies stay byte-identical; what cannot be checked is withheld.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { apisYaml, startTestGateway, type TestGateway } from '../../../test/helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';
import { filterValue } from './filter.ts';

const spec = `openapi: 3.1.0
info: { title: t, version: '1' }
paths:
  /user:
    get:
      operationId: user
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                allOf:
                  - { $ref: '#/components/schemas/Base' }
                  - type: object
                    properties:
                      name: { type: string }
                      salary: { type: number, x-portcullis-read-roles: [hr] }
                      password: { type: string, writeOnly: true }
                      friends: { type: array, items: { $ref: '#/components/schemas/Base' } }
                      prefs: { type: object, additionalProperties: true }
  /raw:
    get: { operationId: raw, responses: { '200': { description: ok } } }
  /with-default:
    get:
      operationId: withDefault
      responses:
        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/Base' } } } }
        default: { description: unexpected error }
  /errors:
    get:
      operationId: errors
      responses:
        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/Base' } } } }
        default: { description: error, content: { application/json: { schema: { $ref: '#/components/schemas/Base' } } } }
  /csv:
    get:
      operationId: csv
      responses:
        '200':
          description: ok
          content:
            application/json: { schema: { $ref: '#/components/schemas/Base' } }
            text/csv: { schema: { type: string } }
  /tree:
    get:
      operationId: tree
      responses:
        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/Node' } } } }
components:
  schemas:
    Node:
      type: object
      properties:
        name: { type: string }
        email: { type: string, x-portcullis-sensitive: true }
        child: { $ref: '#/components/schemas/Node' }
    Base:
      type: object
      properties:
        id: { type: integer }
        ssn: { type: string, x-portcullis-sensitive: true }
`;

/** A tree `levels` nodes deep, each node with an email the schema marks sensitive. */
const tree = (levels: number) => {
  let node: Record<string, unknown> = { name: 'leaf', email: 'leaf@example.com' };
  for (let i = 0; i < levels; i++) node = { name: `n${i}`, email: `n${i}@example.com`, child: node };
  return node;
};

const bodies: Record<string, { type: string; body: string | Buffer; headers?: Record<string, string>; status?: number }> = {
  '/user': { type: 'application/json', body: JSON.stringify({ id: 1, name: 'a', salary: 1, password: 'p', ssn: '123', secretHash: 'h', friends: [{ id: 2, ssn: 'x', token: 't' }], prefs: { theme: 'dark', anything: 1 } }) },
  '/errors?404': { type: 'text/plain', body: 'Not Found', status: 404 },
  '/errors?503': { type: 'text/html', body: '<h1>Service Unavailable</h1>', status: 503, headers: { 'retry-after': '30' } },
  '/errors?200': { type: 'text/plain', body: 'secretHash: not json' },
  '/user?clean': { type: 'application/json', body: '{"id":1,  "name":"spaces kept"}' },
  '/user?dup': { type: 'application/json', body: '{"id":1,"friends":[{"id":2,"ssn":"123-45-6789"}],"friends":[{"id":2}],"name":"a"}' },
  '/user?bigint': { type: 'application/json', body: '{"id":9007199254740993,"name":"a","secretHash":"h","friends":[{"id":12345678901234567891}]}' },
  '/user?long-numbers': { type: 'application/json', body: '{"id":1,"secretHash":"h","prefs":{"amount":12345678901234.5678,"big":1e400,"tiny":-1e-400,"rate":0.1,"n":1e3}}' },
  '/user?text': { type: 'text/plain', body: 'secretHash: not json' },
  // Representations the document does not declare for the response, and a status it does not list.
  '/user?text-json': { type: 'text/plain', body: JSON.stringify({ id: 1, secretHash: 'h' }) },
  '/user?untyped': { type: '', body: JSON.stringify({ id: 1, secretHash: 'h' }) },
  '/user?jsonp': { type: 'application/javascript', body: 'cb({"id":1,"secretHash":"h"})' },
  '/user?empty': { type: 'text/plain', body: '' },
  '/user?203': { type: 'application/json', body: JSON.stringify({ id: 1, secretHash: 'h' }), status: 203 },
  '/with-default': { type: 'application/json', body: JSON.stringify({ id: 1, ssn: '123', secretHash: 'h' }), status: 203 },
  '/csv': { type: 'text/csv', body: 'id,secretHash\n1,h' },
  '/user?broken': { type: 'application/json', body: '{"id":1,' },
  '/user?big': { type: 'application/json', body: JSON.stringify({ id: 1, name: 'x'.repeat(5000) }) },
  '/tree': { type: 'application/json', body: JSON.stringify(tree(40)) },
  '/tree?deep': { type: 'application/json', body: JSON.stringify(tree(70)) },
  '/user?gzip': { type: 'application/json', body: gzipSync('{"id":1,"secretHash":"h"}'), headers: { 'content-encoding': 'gzip' } },
};

/** The upstream's /user?<q> answer is refused (502) and nothing of it reaches the client. */
async function withheld(gw: TestGateway, q: string): Promise<void> {
  const res = await fetch(`${gw.url}/user?${q}`);
  assert.equal(res.status, 502, q);
  const text = await res.text();
  assert.equal(JSON.parse(text).code, 'PCL_ERR_RESPONSE_UNINSPECTABLE', q);
  assert.ok(!text.includes('secretHash'), q);
}

const gatewayYaml = (upstream: string, filter: string) =>
  apisYaml(
    upstream,
    `  - name: api
    spec: ./spec.yaml
    upstream: backend
    policies:
      validate: { unknownQueryParams: allow }
      response-filter: ${filter}
`,
  );

describe('response-filter policy', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;

  before(async () => {
    upstream = await startUpstream((req, res) => {
      const r = bodies[req.url ?? ''] ?? bodies['/user']!;
      res.writeHead(r.status ?? 200, { ...(r.type ? { 'content-type': r.type } : {}), ...r.headers });
      res.end(r.body);
    });
    gw = await startTestGateway(gatewayYaml(upstream.url, '{ maxBodySize: 4kb, sensitive: [token] }'), { 'spec.yaml': spec });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  test('removes undeclared, writeOnly, sensitive and configured properties, nested and in arrays', async () => {
    const res = await fetch(`${gw.url}/user`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { id: 1, name: 'a', friends: [{ id: 2 }], prefs: { theme: 'dark', anything: 1 } });
    assert.equal(upstream.received.at(-1)!.headers['accept-encoding'], undefined, 'asked for an unencoded body');
  });

  test('a body nothing is removed from is sent byte for byte; a declared non-JSON type passes', async () => {
    assert.equal(await (await fetch(`${gw.url}/user?clean`)).text(), '{"id":1,  "name":"spaces kept"}');
    assert.equal(await (await fetch(`${gw.url}/csv`)).text(), 'id,secretHash\n1,h');
    assert.equal((await fetch(`${gw.url}/user?empty`)).status, 200);
  });

  test('a key written twice: the checked copy is sent, not the bytes with the copy JSON.parse dropped', async () => {
    assert.equal(await (await fetch(`${gw.url}/user?dup`)).text(), '{"id":1,"friends":[{"id":2}],"name":"a"}');
  });

  test('integers beyond 2^53 in a filtered body go out with the digits sent, not as JavaScript reads them', async () => {
    assert.equal(await (await fetch(`${gw.url}/user?bigint`)).text(), '{"id":9007199254740993,"name":"a","friends":[{"id":12345678901234567891}]}');
  });

  test('numbers JSON.parse would change (16 digits and more, beyond a double) go out as sent in a filtered body', async () => {
    assert.equal(await (await fetch(`${gw.url}/user?long-numbers`)).text(), '{"id":1,"prefs":{"amount":12345678901234.5678,"big":1e400,"tiny":-1e-400,"rate":0.1,"n":1000}}');
  });

  test('an error status answered in another format than JSON goes on as sent; a success one is withheld', async () => {
    const notFound = await fetch(`${gw.url}/errors?404`);
    assert.equal(notFound.status, 404);
    assert.equal(await notFound.text(), 'Not Found');
    const unavailable = await fetch(`${gw.url}/errors?503`);
    assert.equal(unavailable.status, 503);
    assert.equal(unavailable.headers.get('retry-after'), '30');
    await unavailable.body?.cancel();
    assert.equal((await fetch(`${gw.url}/errors?200`)).status, 502);
  });

  test('a type the document does not declare for the response is filtered as JSON, or withheld', async () => {
    for (const q of ['text-json', 'untyped']) {
      const res = await fetch(`${gw.url}/user?${q}`);
      assert.equal(res.status, 200, q);
      assert.deepEqual(await res.json(), { id: 1 }, q);
    }
    for (const q of ['text', 'jsonp']) await withheld(gw, q);
  });

  test('a success status the document does not list is filtered with its declared success response', async () => {
    const res = await fetch(`${gw.url}/user?203`);
    assert.equal(res.status, 203);
    assert.deepEqual(await res.json(), { id: 1 });
    // Not with a content-less `default` the document also declares.
    const beside = await fetch(`${gw.url}/with-default`);
    assert.equal(beside.status, 203);
    assert.deepEqual(await beside.json(), { id: 1 });
  });

  test('fails closed on what it cannot check: invalid JSON, over the size limit, encoded bodies', async () => {
    for (const q of ['broken', 'big', 'gzip']) await withheld(gw, q);
  });

  test('a recursive schema is followed as deep as the data goes, and a body nested deeper than the walk is withheld', async () => {
    const res = await fetch(`${gw.url}/tree`);
    assert.equal(res.status, 200);
    assert.doesNotMatch(await res.text(), /@example/);
    const deep = await fetch(`${gw.url}/tree?deep`);
    assert.equal(deep.status, 502);
    const text = await deep.text();
    assert.equal(JSON.parse(text).code, 'PCL_ERR_RESPONSE_UNINSPECTABLE');
    assert.doesNotMatch(text, /@example/);
  });

  test('HEAD is answered without a body', async () => {
    const res = await fetch(`${gw.url}/user`, { method: 'HEAD' });
    assert.equal(res.status, 200);
  });
});

test('role-gated properties: x-portcullis-read-roles and visibleTo keep a property only for callers with the role', () => {
  const schema = { type: 'object', properties: { id: { type: 'integer' }, salary: { type: 'number', 'x-portcullis-read-roles': ['hr'] }, email: { type: 'string' } } };
  const options = (roles: string[]) => ({ removeUndeclared: true, sensitive: new Set<string>(), roleGated: new Map([['email', ['support']]]), roles });
  const value = { id: 1, salary: 10, email: 'a@b.c' };
  assert.deepEqual(filterValue(value, schema, options([]), []), { id: 1 });
  assert.deepEqual(filterValue(value, schema, options(['hr']), []), { id: 1, salary: 10 });
  assert.equal(filterValue(value, schema, options(['hr', 'support']), []), value, 'nothing removed: the same object');
});

test('sensitive and visibleTo names are removed at any depth, also inside values the document leaves shapeless', () => {
  const schema = { type: 'object', properties: { id: { type: 'integer' }, prefs: { type: 'object', additionalProperties: true }, tags: { type: 'array' } } };
  const options = { removeUndeclared: true, sensitive: new Set(['password']), roleGated: new Map([['salary', ['hr']]]), roles: [] };
  const value = { id: 1, prefs: { a: { password: 'lvl2', salary: 99, keep: 1 } }, tags: [{ password: 'in-array', salary: 99, keep: 2 }, 'x'] };
  assert.deepEqual(filterValue(value, schema, options, []), { id: 1, prefs: { a: { keep: 1 } }, tags: [{ keep: 2 }, 'x'] });
  // No schema at all (an undocumented status): every depth still.
  assert.deepEqual(filterValue({ existing: { password: 'p', salary: 1, name: 'n' } }, {}, options, []), { existing: { name: 'n' } });
  // The schema `true` (OpenAPI 3.1) is shapeless as well.
  const boolean = { type: 'object', properties: { meta: true, list: { type: 'array', items: true } } };
  assert.deepEqual(filterValue({ meta: { password: 'T1', a: 1 }, list: [{ password: 'T2' }] }, boolean, options, []), { meta: { a: 1 }, list: [{}] });
  // Without such names, a shapeless value is not walked: the same object comes back.
  assert.equal(filterValue(value, schema, { ...options, sensitive: new Set(), roleGated: new Map() }, []), value);
});

test('filtering keeps the order of kept properties and an own "__proto__" key', () => {
  const schema = { type: 'object', properties: { a: { type: 'integer' }, ['__proto__']: { type: 'object' }, c: { type: 'integer' } } };
  const value = JSON.parse('{"a":1,"secret":2,"__proto__":{"x":1},"c":3}') as Record<string, unknown>;
  const out = filterValue(value, schema, { removeUndeclared: true, sensitive: new Set(), roleGated: new Map(), roles: [] }, []);
  assert.equal(JSON.stringify(out), '{"a":1,"__proto__":{"x":1},"c":3}');
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
});

test('otherTypes: pass lets an undeclared type that is not JSON through unchecked (JSON in it is still filtered)', async () => {
  const upstream = await startUpstream((req, res) => {
    const r = bodies[req.url ?? '']!;
    res.writeHead(200, { 'content-type': r.type });
    res.end(r.body);
  });
  const gw = await startTestGateway(gatewayYaml(upstream.url, '{ otherTypes: pass }'), { 'spec.yaml': spec });
  try {
    assert.equal(await (await fetch(`${gw.url}/user?text`)).text(), 'secretHash: not json');
    assert.deepEqual(await (await fetch(`${gw.url}/user?text-json`)).json(), { id: 1 });
  } finally {
    await gw.close();
    await upstream.close();
  }
});

describe('response-filter: the body type is matched with the document content keys, however they are written', () => {
  const account = `{ $ref: '#/components/schemas/Account' }`;
  const op = (name: string, content: string) => `  /${name}:
    get:
      operationId: ${name}
      responses:
        '200': { description: ok, content: { ${content} } }
`;
  const keysSpec = `openapi: 3.1.0
info: { title: t, version: '1' }
paths:
${op('vnd', `application/vnd.api+json: { schema: ${account} }`)}${op('star', `'*/*': { schema: ${account} }`)}${op('charset', `'application/json; charset=utf-8': { schema: ${account} }`)}${op('upper', `Application/JSON: { schema: ${account} }`)}${op('appRange', `'application/*': { schema: ${account} }`)}${op('xml', `application/xml: { schema: ${account} }`)}${op('xmlPlain', `application/xml: { schema: { type: object, properties: { id: { type: string } } } }`)}
components:
  schemas:
    Account:
      type: object
      properties:
        id: { type: string }
        name: { type: string }
        ssn: { type: string, x-portcullis-sensitive: true }
`;
  const account1 = JSON.stringify({ id: '1', name: 'Alice', ssn: '123-45-6789' });
  let upstream: TestUpstream;
  let gw: TestGateway;

  before(async () => {
    // The upstream answers with the type the test asks for (?type=...), whatever the document says.
    upstream = await startUpstream((req, res) => {
      const type = new URL(req.url ?? '/', 'http://x').searchParams.get('type') ?? 'application/json';
      res.writeHead(200, { 'content-type': type });
      res.end(account1);
    });
    gw = await startTestGateway(
      apisYaml(upstream.url, `  - name: api
    spec: ./spec.yaml
    upstream: backend
    policies:
      response-filter: {}
`),
      { 'spec.yaml': keysSpec },
    );
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  const get = async (path: string, type: string) => {
    const res = await fetch(`${gw.url}${path}?type=${encodeURIComponent(type)}`);
    return { status: res.status, text: await res.text() };
  };

  test('a JSON body is filtered with the JSON schema of another JSON type, of a content key with parameters or capitals, or of a media range', async () => {
    const cases: [string, string][] = [
      ['/vnd', 'application/json'],
      ['/vnd', 'application/vnd.api+json; charset=utf-8'],
      ['/star', 'application/json'],
      ['/star', 'text/plain'],
      ['/charset', 'application/json'],
      ['/charset', 'application/json; charset=utf-8'],
      ['/upper', 'application/json'],
      ['/appRange', 'application/json'],
      ['/appRange', 'application/hal+json'],
    ];
    for (const [path, type] of cases) {
      const { status, text } = await get(path, type);
      assert.equal(status, 200, `${path} ${type}`);
      assert.deepEqual(JSON.parse(text), { id: '1', name: 'Alice' }, `${path} ${type}`);
    }
  });

  test('JSON of a type no schema is declared for is withheld when the response has sensitive properties; passed when it has none', async () => {
    for (const type of ['application/json', 'text/plain', 'application/x-ndjson']) {
      const { status, text } = await get('/xml', type);
      assert.equal(status, 502, type);
      assert.equal(JSON.parse(text).code, 'PCL_ERR_RESPONSE_UNINSPECTABLE', type);
      assert.doesNotMatch(text, /123-45/, type);
    }
    assert.deepEqual(await get('/xmlPlain', 'application/json'), { status: 200, text: account1 });
  });
});
