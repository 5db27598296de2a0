// A POST naming another method in a `_method` field (query string or form body) is refused before it
// reaches an upstream that honours it. The upstream here does what Rack::MethodOverride, Laravel and
// Symfony do: a POST with `_method` runs that method's handler. The gateway routes POST /items/{id}
// to everybody and DELETE /items/{id} only with an API key, so a forwarded override would delete
// without one.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import type { RequestContext } from '../src/core/context.ts';
import { refuseBodyOverride } from '../src/server/method-override.ts';
import { apisYaml, startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream, type UpstreamHandler } from './helpers/upstream.ts';

/** The method a Rack-style upstream runs: POST overridden by `_method` in the query or a urlencoded body. */
const rackLike: UpstreamHandler = (req, res, body) => {
  let method = req.method ?? '';
  if (method === 'POST') {
    const query = new URL(req.url ?? '/', 'http://x').searchParams.get('_method');
    const form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(body.toString()).get('_method') : null;
    method = (form ?? query ?? method).toUpperCase();
  }
  const text = JSON.stringify({ ran: method });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

const apis = `  - name: shop
    upstream: backend
    routes:
      - { path: "/items/{id}", methods: [POST], operationId: updateItem }
      - path: "/notes/{id}"
        methods: [POST]
        operationId: updateNote
        policies:
          json-limits: {}
      - path: "/items/{id}"
        methods: [DELETE]
        operationId: deleteItem
        policies:
          auth-apikey:
            consumers: [{ id: admin, keys: [{ sha256: "${'0'.repeat(64)}" }] }]
`;

function config(upstream: string, extra = ''): string {
  return `${apisYaml(upstream, apis)}${extra}`;
}

const FORM = 'application/x-www-form-urlencoded';

function multipart(fields: Record<string, string>): { body: string; type: string } {
  const boundary = 'b0undary42';
  const body = `${Object.entries(fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join('')}--${boundary}--\r\n`;
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

/** One multipart part: delimiter, header lines, blank line, content. */
function part(boundary: string, headers: string, content: string): string {
  return `--${boundary}\r\n${headers}\r\n\r\n${content}\r\n`;
}

describe('_method overrides', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  before(async () => {
    upstream = await startUpstream(rackLike);
    gw = await startTestGateway(config(upstream.url));
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  const refused: [string, string, RequestInit][] = [
    ['query string', '/items/1?_method=DELETE', { method: 'POST' }],
    ['query string, name percent-encoded', '/items/1?%5Fm%65thod=DELETE', { method: 'POST' }],
    ['query string, array name', '/items/1?a=1&_method[]=DELETE', { method: 'POST' }],
    ['query string, ";" separator', '/items/1?a=1;_method=DELETE', { method: 'POST' }],
    ['urlencoded body', '/items/1', { method: 'POST', headers: { 'content-type': FORM }, body: 'name=x&_method=DELETE' }],
    ['urlencoded body, upper case and charset', '/items/1', { method: 'POST', headers: { 'content-type': `${FORM}; charset=utf-8` }, body: '_METHOD=delete' }],
    ['urlencoded body, "+" and escapes in the name', '/items/1', { method: 'POST', headers: { 'content-type': FORM }, body: 'a=%zz&%5F%6Dethod=DELETE' }],
    ['urlencoded body, PHP name readings (leading blank, "." for "_")', '/items/1', { method: 'POST', headers: { 'content-type': FORM }, body: 'a=1&+.method=DELETE' }],
    ['multipart/mixed body', '/items/1', { method: 'POST', headers: { 'content-type': multipart({}).type.replace('form-data', 'mixed') }, body: multipart({ _method: 'DELETE' }).body }],
    ['gzip urlencoded body', '/items/1', { method: 'POST', headers: { 'content-type': FORM, 'content-encoding': 'gzip' }, body: gzipSync('_method=DELETE') }],
    ['multipart body', '/items/1', { method: 'POST', headers: { 'content-type': multipart({ _method: 'DELETE' }).type }, body: multipart({ name: 'x', _method: 'DELETE' }).body }],
    ['JSON body that streams (no body policy): checked whole as it passes', '/items/1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x","_method":"DELETE"}' }],
    ['JSON body labelled text/json (Laravel parses any type containing /json)', '/items/1', { method: 'POST', headers: { 'content-type': 'text/json' }, body: '{"_method":"DELETE"}' }],
    ['JSON body labelled application/jsonp', '/items/1', { method: 'POST', headers: { 'content-type': 'application/jsonp' }, body: '{"_method":"DELETE"}' }],
    ['JSON body labelled text/plain; x=/json', '/items/1', { method: 'POST', headers: { 'content-type': 'text/plain; x=/json' }, body: '{"_method":"DELETE"}' }],
    ['gzip JSON body that streams', '/items/1', { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync('{"_m\\u0065thod":"DELETE"}') }],
    ['JSON body read by a body policy (Laravel reads _method there)', '/notes/1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"note":"x","\\u005fmethod":"DELETE"}' }],
    ['multipart body this parser cannot read (an inline part), with an escaped name', '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=zz' }, body: part('zz', 'Content-Disposition: inline', 'x') + part('zz', 'Content-Disposition: form-data; name="_m\\ethod"', 'DELETE') + '--zz--\r\n' }],
    ['multipart part with two name parameters (Rack and PHP keep the last)', '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=zz' }, body: part('zz', 'Content-Disposition: form-data; name="x"; name="_method"', 'DELETE') + '--zz--\r\n' }],
    ["multipart name in single quotes (PHP)", '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=zz' }, body: part('zz', "Content-Disposition: form-data; name='_method'", 'DELETE') + '--zz--\r\n' }],
    ['multipart name with a NUL (PHP cuts it there)', '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=zz' }, body: part('zz', 'Content-Disposition: form-data; name="_method\0x"', 'DELETE') + '--zz--\r\n' }],
    ['multipart part named by Content-ID (Rack)', '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/related; boundary=zz' }, body: part('zz', 'Content-ID: <_method>', 'DELETE') + '--zz--\r\n' }],
    ['two boundary parameters, the field under the last (Rack)', '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=AA; boundary=BB' }, body: part('AA', 'Content-Disposition: form-data; name="x"', part('BB', 'Content-Disposition: form-data; name="_method"', 'DELETE') + '--BB--') + '--AA--\r\n' }],
    ['a boundary found inside another parameter (PHP)', '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/form-data; xboundary=BB; boundary=AA' }, body: part('AA', 'Content-Disposition: form-data; name="x"', part('BB', 'Content-Disposition: form-data; name="_method"', 'DELETE') + '--BB--') + '--AA--\r\n' }],
    ['a boundary cut at "," (Rack, PHP)', '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=AA,BB' }, body: part('AA', 'Content-Disposition: form-data; name="_method"', 'DELETE') + '--AA--\r\n' }],
    ['Content-Type listing two types (Rack cuts at ",")', '/items/1', { method: 'POST', headers: { 'content-type': `${FORM}, text/plain` }, body: '_method=DELETE' }],
    ['Content-Type with a blank inside (PHP cuts there)', '/items/1', { method: 'POST', headers: { 'content-type': `${FORM} x` }, body: '_method=DELETE' }],
    ['urlencoded name with a NUL (PHP cuts it there)', '/items/1?_method%00=DELETE', { method: 'POST' }],
    ['a name starting with a bracket (qs reads [_method]x as _method)', '/items/1', { method: 'POST', headers: { 'content-type': FORM }, body: '[_method]x=DELETE' }],
    // PHP reads a form, Laravel's isJson() a JSON body: both readings are checked.
    ['JSON body labelled as a form with /json in a parameter', '/items/1', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; x=/json' }, body: '{"_method":"DELETE"}' }],
    ['JSON body labelled multipart with /json in a parameter', '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=b; x=+json' }, body: '{"_method":"DELETE"}' }],
    ["multipart name as an extended parameter (Werkzeug reads name*)", '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=zz' }, body: part('zz', "Content-Disposition: form-data; name=\"x\"; name*=UTF-8''%5Fmethod", 'DELETE') + '--zz--\r\n' }],
    ['multipart name continued (Werkzeug appends name*1 to the name)', '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=zz' }, body: part('zz', 'Content-Disposition: form-data; name="_met"; name*1=hod', 'DELETE') + '--zz--\r\n' }],
    ['multipart name in RFC 2231 pieces', '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=zz' }, body: part('zz', "Content-Disposition: form-data; name*0*=UTF-8''%5Fme; name*1=thod", 'DELETE') + '--zz--\r\n' }],
    ['multipart part after the close delimiter (PHP reads it)', '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=zz' }, body: part('zz', 'Content-Disposition: form-data; name="x"', 'y') + '--zz--\r\n' + part('zz', 'Content-Disposition: form-data; name="_method"', 'DELETE') + '--zz--\r\n' }],
    ['multipart headers ended by a bare CR blank line (Werkzeug)', '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=zz' }, body: '--zz\r\nContent-Disposition: form-data; name="_method"\r\rDELETE\r\n--zz--\r\n' }],
    ['multipart field named _method with a NUL after it', '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=b' }, body: '--b\r\nContent-Disposition: form-data; name="_method\0x"\r\n\r\nDELETE\r\n--b--\r\n' }],
    // PHP's own reading of the boundary: the first "boundary" substring, the first "=" after it, blanks kept.
    ['multipart boundary with a blank PHP keeps', '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary= Z' }, body: part(' Z', 'Content-Disposition: form-data; name="_method"', 'DELETE') + '-- Z--\r\n' }],
    ['multipart boundary after the first "boundary" substring', '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/form-data; x="boundary"; y=Q; boundary=Z' }, body: part('Q', 'Content-Disposition: form-data; name="_method"', 'DELETE') + '--Q--\r\n' }],
    ['multipart unquoted name ended at a blank (PHP)', '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=zz' }, body: part('zz', 'Content-Disposition: form-data; name=_method x', 'DELETE') + '--zz--\r\n' }],
    ['multipart part headers longer than the lenient reader reads (PHP reads on)', '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=zz' }, body: part('zz', `X-Pad: ${'a'.repeat(4000)}\r\nX-Pad: ${'a'.repeat(4000)}\r\nX-Pad: ${'a'.repeat(4000)}\r\nContent-Disposition: form-data; name="_method"`, 'DELETE') + '--zz--\r\n' }],
    ['multipart name after another parameter whose quoted value holds "name="', '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=zz' }, body: part('zz', 'Content-Disposition: form-data; x="a name="; name="_method"', 'DELETE') + '--zz--\r\n' }],
    ["the same with ' quotes (PHP)", '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=zz' }, body: part('zz', `Content-Disposition: form-data; x='a name='; name=_method`, 'DELETE') + '--zz--\r\n' }],
    ['UTF-16 JSON body read by a body policy', '/notes/1', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-16le' }, body: Buffer.from('{"_method":"DELETE"}', 'utf16le') }],
  ];
  for (const [name, path, init] of refused) {
    test(`refused: ${name}`, async () => {
      const before = upstream.received.length;
      const res = await fetch(gw.url + path, init);
      const problem = (await res.json()) as { code: string };
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
      assert.equal(problem.code, 'PCL_ERR_BAD_REQUEST');
      assert.equal(upstream.received.length, before, 'the upstream never saw it');
    });
  }

  test('without the override the DELETE needs its API key (what the override would have skipped)', async () => {
    const res = await fetch(`${gw.url}/items/1`, { method: 'DELETE' });
    assert.equal(res.status, 401);
    await res.body?.cancel();
  });

  const forwarded: [string, string, RequestInit][] = [
    ['a POST form without the field', '/items/1', { method: 'POST', headers: { 'content-type': FORM }, body: 'name=x&my_method=a&method=b' }],
    ['a field only containing the name in its value', '/items/1?q=_method', { method: 'POST', headers: { 'content-type': FORM }, body: 'note=_method%3DDELETE' }],
    ['a body labelled multipart that does not parse, without the field', '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=zz' }, body: 'name=x' }],
    ['a multipart/related upload whose content (not its headers) mentions name = method', '/items/1', { method: 'POST', headers: { 'content-type': 'multipart/related; boundary=zz' }, body: part('zz', 'Content-ID: <code>', 'def f(name = method):\n  name="_method"') + '--zz--\r\n' }],
    ['a multipart form without the field', '/items/1', { method: 'POST', headers: { 'content-type': multipart({ name: 'x' }).type }, body: multipart({ name: 'x', file: 'name="_method"' }).body }],
  ];
  forwarded.push(['a JSON body read by a body policy, _method only nested', '/notes/1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"note":{"_method":"DELETE"},"method":"x"}' }]);
  for (const [name, path, init] of forwarded) {
    test(`forwarded: ${name}`, async () => {
      const res = await fetch(gw.url + path, init);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { ran: 'POST' });
    });
  }

  test('the lenient multipart reading is linear: a megabyte of delimiters without a blank line', async () => {
    const started = performance.now();
    const res = await fetch(`${gw.url}/items/1`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=Z' }, body: '--Z'.repeat(300_000) });
    await res.arrayBuffer();
    assert.ok(performance.now() - started < 2000, `took ${Math.round(performance.now() - started)} ms`);
  });

  test('the lenient multipart reading is linear: long parameter lists in one header section', async () => {
    const started = performance.now();
    const headers = `Content-Disposition: form-data${'; x="name=;'.repeat(700)}"${';'.repeat(3000)}=`;
    const res = await fetch(`${gw.url}/items/1`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=Z' }, body: `--Z\r\n${headers}\r\n\r\nv\r\n`.repeat(100) });
    await res.arrayBuffer();
    assert.ok(performance.now() - started < 2000, `took ${Math.round(performance.now() - started)} ms`);
  });

  test('a POST body without a Content-Type, or with an empty one, goes upstream as application/octet-stream (Rack would parse it as a form)', async () => {
    for (const headers of [{}, { 'content-type': '' }, { 'content-type': '  ' }]) {
      const res = await fetch(`${gw.url}/items/1`, { method: 'POST', headers, body: Buffer.from('_method=DELETE') });
      assert.equal(res.status, 200, JSON.stringify(headers));
      assert.deepEqual(await res.json(), { ran: 'POST' }, 'the upstream did not read a form');
      const got = upstream.received.at(-1)!;
      assert.equal(got.headers['content-type'], 'application/octet-stream');
      assert.equal(got.body.toString(), '_method=DELETE', 'the body as sent');
    }
  });

  test('a streamed JSON body still streams: the upstream gets bytes before the client has sent them all, and the whole body', async () => {
    let firstBytes!: () => void;
    const gotBytes = new Promise<void>((resolve) => (firstBytes = resolve));
    const slow = await startUpstream((_req, res, body) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ n: body.length }));
    });
    slow.server.prependListener('request', (req) => req.once('data', () => firstBytes()));
    const gw2 = await startTestGateway(config(slow.url, 'limits: { maxBodySize: 8mb }\n'));
    try {
      const text = `{"items":[${'"x",'.repeat(500_000)}"y"],"method":"card"}`;
      const reply = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(`${gw2.url}/items/1`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.write(text.slice(0, 1 << 20));
        // The rest only once the upstream has seen the first bytes: a buffered body would never get there.
        void gotBytes.then(() => req.end(text.slice(1 << 20)));
      });
      const got = await reply;
      assert.equal(got.status, 200);
      assert.deepEqual(JSON.parse(got.body), { n: Buffer.byteLength(text) });
    } finally {
      await gw2.close();
      await slow.close();
    }
  });

  test('forwarded: other methods keep their query (frameworks only override POST)', async () => {
    const res = await fetch(`${gw.url}/items/1?_method=PUT`, { method: 'DELETE', headers: { 'x-api-key': 'nope' } });
    assert.equal(res.status, 401, 'routed and authenticated as the DELETE it is');
    await res.body?.cancel();
  });
});

test('a compressed JSON body a policy read raw (a signature digest) is checked decoded', () => {
  const ctx = (json: string) =>
    ({
      req: { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } },
      body: gzipSync(json),
      content: undefined,
      bodyLimit: 1 << 20,
    }) as unknown as RequestContext;
  assert.throws(() => refuseBodyOverride(ctx('{"_method":"DELETE"}')), { code: 'PCL_ERR_BAD_REQUEST' });
  assert.doesNotThrow(() => refuseBodyOverride(ctx('{"method":"card"}')));
});

describe('_method overrides with forwarding.methodOverride: true', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  before(async () => {
    upstream = await startUpstream(rackLike);
    gw = await startTestGateway(config(upstream.url, 'forwarding: { methodOverride: true }\n'));
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  test('the field and the headers are forwarded as sent', async () => {
    const res = await fetch(`${gw.url}/items/1`, { method: 'POST', headers: { 'content-type': FORM }, body: '_method=DELETE' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ran: 'DELETE' });
    const header = await fetch(`${gw.url}/items/1`, { method: 'POST', headers: { 'x-http-method-override': 'DELETE' } });
    assert.equal(header.status, 200);
    assert.equal(upstream.received.at(-1)!.headers['x-http-method-override'], 'DELETE');
    await header.body?.cancel();
  });
});
