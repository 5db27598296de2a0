// Through a real gateway and upstream: error bodies that show internals never reach the client,
// 5xx bodies are replaced by default, successful responses stream untouched and stay compressed.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { passthroughYaml, startTestGateway, type TestGateway } from '../../../test/helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';
import { findInternals } from './internals.ts';

const problemOf = async (res: Response) => (await res.json()) as { code: string; status: number; requestId: string };
const nodeStack = `TypeError: Cannot read properties of undefined (reading 'id')\n    at getOrder (/srv/app/routes/orders.js:42:17)\n    at async Layer.handle (file:///srv/app/node_modules/express/lib/router/layer.js:95:5)`;

// Framework error bodies as JSON: what the signatures look for sits behind JSON escapes.
const springTrace =
  'org.springframework.web.method.annotation.MethodArgumentTypeMismatchException: Failed to convert value of type String to Long\n\tat org.springframework.web.method.annotation.AbstractNamedValueMethodArgumentResolver.resolveArgument(AbstractNamedValueMethodArgumentResolver.java:133)\n\tat com.acme.billing.InvoiceController.get(InvoiceController.java:42)\n';
const springJson = JSON.stringify({ timestamp: '2026-01-01T00:00:00.000+00:00', status: 400, error: 'Bad Request', trace: springTrace, message: 'Failed to convert value', path: '/invoices/x' });
// Laravel with APP_DEBUG (json_encode escapes slashes).
const laravelJson = JSON.stringify({
  message: 'No query results for model [App\\Models\\Invoice] 9',
  exception: 'Symfony\\Component\\HttpKernel\\Exception\\NotFoundHttpException',
  file: '/var/www/html/vendor/laravel/framework/src/Illuminate/Foundation/Exceptions/Handler.php',
  line: 487,
  trace: [{ file: '/var/www/html/app/Http/Controllers/InvoiceController.php', line: 31, function: 'findOrFail', class: 'Illuminate\\Database\\Eloquent\\Builder' }],
}).replaceAll('/', '\\/');
// ASP.NET Core's developer problem details (System.Text.Json escapes < and >).
const dotnetJson = JSON.stringify({ title: 'An error occurred', status: 500, detail: 'System.InvalidOperationException: boom\n   at Program.<Main>$(String[] args) in /src/Program.cs:line 12' })
  .replaceAll('<', '\\u003C')
  .replaceAll('>', '\\u003E');

const answers: Record<string, { status: number; type: string; body: string | Buffer; headers?: Record<string, string> }> = {
  '/ok': { status: 200, type: 'application/json', body: '{"id":1,"note":"at home (see /srv/a.js:1:2)"}' },
  '/ok-gzip': { status: 200, type: 'application/json', body: gzipSync('{"id":1}'), headers: { 'content-encoding': 'gzip' } },
  '/crash': { status: 500, type: 'application/json', body: JSON.stringify({ error: 'boom', stack: nodeStack.split('\n') }), headers: { etag: '"x"', 'x-debug': nodeStack.replace(/\n/g, ' ') } },
  '/plain500': { status: 500, type: 'text/plain', body: 'Internal Server Error' },
  '/busy': { status: 503, type: 'text/plain', body: 'maintenance', headers: { 'retry-after': '120' } },
  '/sql400': { status: 400, type: 'application/json', body: '{"error":"SQLITE_ERROR: near \\"\'\\": syntax error","query":"SELECT * FROM t WHERE q = \'\'\'"}' },
  '/spring400': { status: 400, type: 'application/json', body: springJson },
  '/laravel404': { status: 404, type: 'application/json', body: laravelJson },
  '/dotnet500': { status: 500, type: 'application/problem+json', body: dotnetJson },
  '/escaped404': { status: 404, type: 'application/json', body: JSON.stringify({ error: 'no file C:\\temp\\a.txt', hint: 'line 1\ncolumn 2', path: '/api/v2/orders/9' }).replaceAll('/', '\\/') },
  '/clean404': { status: 404, type: 'application/json', body: '{"error":"no such order"}' },
  // The same Spring trace, in UTF-16: by its charset, by its byte-order mark, by JSON's zero bytes.
  '/utf16-charset400': { status: 400, type: 'application/json; charset=utf-16le', body: Buffer.from(springJson, 'utf16le') },
  '/utf16-bom400': { status: 400, type: 'text/plain', body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(springTrace, 'utf16le')]) },
  '/utf16-sniffed400': { status: 400, type: 'application/json', body: Buffer.from(springJson, 'utf16le').swap16() },
  '/utf16-clean404': { status: 404, type: 'application/json; charset=utf-16', body: Buffer.from('{"error":"no such order"}', 'utf16le') },
  // WHATWG's other UTF-16 labels: browsers read `unicode` and `ucs-2` as UTF-16LE, `unicodefffe` as UTF-16BE.
  '/unicode400': { status: 400, type: 'text/plain; charset=unicode', body: Buffer.from(springTrace, 'utf16le') },
  '/ucs2-400': { status: 400, type: 'text/plain; charset="UCS-2"', body: Buffer.from(springTrace, 'utf16le') },
  '/unicodefffe400': { status: 400, type: 'text/plain; charset=unicodeFFFE', body: Buffer.from(springTrace, 'utf16le').swap16() },
  '/utf32-404': { status: 404, type: 'application/json; charset=utf-32', body: Buffer.from('{}') },
  '/gzip500': { status: 500, type: 'text/html', body: gzipSync('<pre>TypeError: x<br> &nbsp; &nbsp;at f (/a.js:1:1)</pre>'), headers: { 'content-encoding': 'gzip' } },
};

describe('error-sanitizer policy', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  let detected: TestGateway;

  before(async () => {
    upstream = await startUpstream((req, res) => {
      const a = answers[req.url ?? ''] ?? answers['/ok']!;
      res.writeHead(a.status, { 'content-type': a.type, ...a.headers });
      res.end(a.body);
    });
    gw = await startTestGateway(passthroughYaml(upstream.url, '    policies:\n      error-sanitizer: {}\n'));
    detected = await startTestGateway(passthroughYaml(upstream.url, '    policies:\n      error-sanitizer: { serverErrors: detected }\n'));
  });
  after(async () => {
    await gw.close();
    await detected.close();
    await upstream.close();
  });

  test('a 5xx body with a stack trace is replaced by a generic problem; status and request id stay', async () => {
    const res = await fetch(`${gw.url}/crash`);
    assert.equal(res.status, 500);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.equal(res.headers.get('etag'), null);
    assert.equal(res.headers.get('x-debug'), null, 'a header carrying the stack is dropped too');
    const text = await res.text();
    assert.doesNotMatch(text, /orders\.js|boom|stack/);
    const body = JSON.parse(text);
    assert.equal(body.code, 'PCL_ERR_UPSTREAM_ERROR');
    assert.equal(body.status, 500);
    assert.equal(body.requestId, res.headers.get('x-request-id'));
  });

  test('every 5xx body is replaced by default, Retry-After kept; encoded ones too', async () => {
    const plain = await fetch(`${gw.url}/plain500`);
    assert.equal((await problemOf(plain)).code, 'PCL_ERR_UPSTREAM_ERROR');
    const busy = await fetch(`${gw.url}/busy`);
    assert.equal(busy.status, 503);
    assert.equal(busy.headers.get('retry-after'), '120');
    assert.equal((await problemOf(busy)).status, 503);
    const gz = await fetch(`${gw.url}/gzip500`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gz.headers.get('content-encoding'), null);
    assert.equal((await problemOf(gz)).code, 'PCL_ERR_UPSTREAM_ERROR');
  });

  test('4xx bodies are replaced only when they leak internals', async () => {
    const sql = await fetch(`${gw.url}/sql400`);
    assert.equal(sql.status, 400);
    assert.equal((await problemOf(sql)).code, 'PCL_ERR_UPSTREAM_ERROR');
    const clean = await fetch(`${gw.url}/clean404`);
    assert.equal(clean.status, 404);
    assert.equal(await clean.text(), '{"error":"no such order"}');
  });

  test('JSON error bodies are read with their escapes undone: Spring Boot, Laravel and ASP.NET traces are replaced', async () => {
    for (const [g, path, status] of [[gw, '/spring400', 400], [gw, '/laravel404', 404], [detected, '/dotnet500', 500]] as const) {
      const res = await fetch(`${g.url}${path}`);
      assert.equal(res.status, status, path);
      const text = await res.text();
      assert.equal(JSON.parse(text).code, 'PCL_ERR_UPSTREAM_ERROR', path);
      assert.doesNotMatch(text, /InvoiceController|Handler\.php|Program\.cs/, path);
    }
    assert.equal(await (await fetch(`${gw.url}/escaped404`)).text(), answers['/escaped404']!.body, 'escapes alone are no internals');
  });

  test('UTF-16 error bodies are decoded before they are read; UTF-32 ones, which the gateway cannot read, are replaced', async () => {
    for (const path of ['/utf16-charset400', '/utf16-bom400', '/utf16-sniffed400', '/unicode400', '/ucs2-400', '/unicodefffe400', '/utf32-404']) {
      const res = await fetch(`${gw.url}${path}`);
      assert.equal((await problemOf(res)).code, 'PCL_ERR_UPSTREAM_ERROR', path);
    }
    const clean = await fetch(`${gw.url}/utf16-clean404`);
    assert.equal(clean.status, 404);
    assert.deepEqual(Buffer.from(await clean.arrayBuffer()), answers['/utf16-clean404']!.body, 'a clean UTF-16 body passes as it was');
  });

  test('successful responses are not buffered: byte-identical, even encoded', async () => {
    assert.equal(await (await fetch(`${gw.url}/ok`)).text(), answers['/ok']!.body);
    const gz = await fetch(`${gw.url}/ok-gzip`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gz.headers.get('content-encoding'), 'gzip', 'sent as the upstream encoded it');
    assert.equal(await gz.text(), '{"id":1}');
  });

  test('serverErrors: detected keeps a 5xx body that shows nothing internal', async () => {
    assert.equal(await (await fetch(`${detected.url}/plain500`)).text(), 'Internal Server Error');
    assert.equal((await problemOf(await fetch(`${detected.url}/crash`))).code, 'PCL_ERR_UPSTREAM_ERROR');
  });
});

describe('error-sanitizer with a client that asks for gzip', () => {
  const sqlError = 'SQLITE_ERROR: near "\'": syntax error  SELECT * FROM users WHERE q=\'\'\'';
  let negotiating: TestUpstream;
  let alwaysGzip: TestUpstream;
  const gateways: TestGateway[] = [];
  // An upstream that compresses its error bodies when the request allows it (as most frameworks
  // do), and one that compresses whatever the request says.
  const answer = (always: boolean) => (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const status = req.url === '/500' ? 500 : 400;
    const body = status === 500 ? nodeStack : sqlError;
    const gz = always || /gzip/.test(String(req.headers['accept-encoding'] ?? ''));
    res.writeHead(status, { 'content-type': 'text/plain', ...(gz ? { 'content-encoding': 'gzip' } : {}) });
    res.end(gz ? gzipSync(body) : body);
  };
  const start = async (upstream: TestUpstream, options: string) => {
    const g = await startTestGateway(passthroughYaml(upstream.url, `    policies:\n      error-sanitizer: ${options}\n`));
    gateways.push(g);
    return g;
  };
  const assertSanitized = async (res: Response, status: number) => {
    assert.equal(res.status, status);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.equal(res.headers.get('content-encoding'), null);
    const text = await res.text();
    assert.doesNotMatch(text, /SQLITE|SELECT|orders\.js/);
    assert.equal(JSON.parse(text).code, 'PCL_ERR_UPSTREAM_ERROR');
  };

  before(async () => {
    negotiating = await startUpstream(answer(false));
    alwaysGzip = await startUpstream(answer(true));
  });
  after(async () => {
    for (const g of gateways) await g.close();
    await negotiating.close();
    await alwaysGzip.close();
  });

  test('the upstream is not asked for an encoded body: a 4xx SQL error and a 5xx stack trace are sanitized', async () => {
    for (const options of ['{}', '{ serverErrors: detected }']) {
      const g = await start(negotiating, options);
      for (const [path, status] of [['/400', 400], ['/500', 500]] as const) {
        await assertSanitized(await fetch(`${g.url}${path}`, { headers: { 'accept-encoding': 'gzip, deflate, br' } }), status);
        assert.equal(negotiating.received.at(-1)!.headers['accept-encoding'], undefined, `${options} ${path}: Accept-Encoding dropped`);
      }
    }
  });

  test('an error body encoded anyway cannot be inspected: replaced (fail closed), never passed through', async () => {
    for (const options of ['{}', '{ serverErrors: detected }']) {
      const g = await start(alwaysGzip, options);
      await assertSanitized(await fetch(`${g.url}/400`, { headers: { 'accept-encoding': 'gzip' } }), 400);
      await assertSanitized(await fetch(`${g.url}/500`, { headers: { 'accept-encoding': 'gzip' } }), 500);
    }
  });

  test('with both kinds of errors kept, nothing is read and the client encoding preference reaches the upstream', async () => {
    const g = await start(negotiating, '{ serverErrors: keep, clientErrors: keep }');
    const res = await fetch(`${g.url}/400`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(res.headers.get('content-encoding'), 'gzip');
    await res.arrayBuffer();
    assert.equal(negotiating.received.at(-1)!.headers['accept-encoding'], 'gzip');
  });
});

test('internals: stack traces of common runtimes, SQL errors and framework pages; ordinary messages are not', () => {
  const leaking = [
    nodeStack,
    'java.lang.NullPointerException\n\tat com.shop.OrderService.find(OrderService.java:42)',
    'Traceback (most recent call last):\n  File "/app/views.py", line 12, in get',
    '   at Shop.Orders.Get(Int32 id) in C:\\src\\Orders.cs:line 17',
    "/app/controllers/orders_controller.rb:12:in `show'",
    'panic: runtime error: index out of range\n\ngoroutine 1 [running]:',
    '<b>Fatal error</b>:  Uncaught Error in /var/www/index.php:3 on line <b>3</b>',
    'ERROR: syntax error at or near "\'" at character 37',
    'You have an error in your SQL syntax; check the manual',
    'ORA-00933: SQL command not properly ended',
    '<html><body><h1>Whitelabel Error Page</h1>',
  ];
  for (const text of leaking) assert.ok(findInternals(text).length > 0, text);
  // The same traces in JSON bodies, behind escapes: "\n\tat", "\/", "\u003C", and JSON quoted in JSON.
  const escaped = [
    springJson,
    laravelJson,
    dotnetJson,
    JSON.stringify({ error: nodeStack }),
    JSON.stringify({ log: JSON.stringify({ trace: springTrace }) }),
    '#0 /var/www/html/app/Http/Controllers/InvoiceController.php(31): Illuminate\\Database\\Eloquent\\Builder->findOrFail()',
  ];
  for (const text of escaped) assert.deepEqual(findInternals(text), ['stack-trace'], text);
  const ordinary = [
    'no such order',
    'The field "email" must be an email address',
    'Meet at 10:30 (room 4)',
    'Quantity must be at most 5',
    '{"error":"Not found","path":"/api/v2/orders/9"}',
    '{"error":"Not found","path":"\\/api\\/v2\\/orders\\/9","hint":"line 1\\n\\tat most 5 items \\u003Cb\\u003E"}',
    '{"errors":[{"file":"avatar.png","line":2,"message":"too large"}]}',
  ];
  for (const text of ordinary) assert.deepEqual(findInternals(text), [], text);
});

test('the original error body goes to the audit trail, never to the client', async () => {
  const upstream = await startUpstream((_req, res) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(nodeStack);
  });
  const gw = await startTestGateway(`listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { host: 127.0.0.1, port: 0, token: sanitizer-test-admin-token-0123456789 }
audit: { enabled: true, store: ./audit.db, flushInterval: 20ms }
upstreams: { backend: { url: "${upstream.url}" } }
apis:
  - name: api
    upstream: backend
    routes: [{ path: /*, operationId: all }]
    policies:
      error-sanitizer: {}
`);
  try {
    const res = await fetch(`${gw.url}/orders/7`);
    assert.doesNotMatch(await res.text(), /orders\.js/);
    let evidence: Record<string, unknown> | null = null;
    for (let i = 0; i < 50 && !evidence; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const page = (await (await fetch(`${gw.adminUrl}/api/events?limit=5`, { headers: { authorization: 'Bearer sanitizer-test-admin-token-0123456789' } })).json()) as { events: { policy: string; evidence: Record<string, unknown> | null }[] };
      evidence = page.events.find((e) => e.policy === 'error-sanitizer')?.evidence ?? null;
    }
    assert.ok(evidence, 'an audit event for the replaced body');
    assert.equal(evidence.upstreamStatus, 500);
    assert.match(String(evidence.original), /at getOrder \(\/srv\/app\/routes\/orders\.js:42:17\)/);
  } finally {
    await gw.close();
    await upstream.close();
  }
});

describe('error-sanitizer before a response filter', () => {
  const spec = `openapi: 3.0.3
info: { title: t, version: '1' }
paths:
  /fetch:
    get:
      operationId: fetch
      responses:
        '200': { description: ok, content: { application/json: { schema: { type: object, properties: { id: { type: integer } } } } } }
        '502': { description: upstream failed, content: { application/json: { schema: { type: object, properties: { error: { type: string } } } } } }
`;
  let upstream: TestUpstream;
  let gw: TestGateway;
  before(async () => {
    upstream = await startUpstream((_req, res) => {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'fetch failed', stack: nodeStack }));
    });
    const yaml = `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: ${upstream.url} } }
apis:
  - name: t
    spec: spec.yaml
    upstream: backend
    policies:
      error-sanitizer: {}
      response-filter: {}
`;
    gw = await startTestGateway(yaml, { 'spec.yaml': spec });
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  test('the problem that replaced an error body is sent whole: the filter does not cut it down to the documented error schema', async () => {
    const res = await fetch(`${gw.url}/fetch`);
    assert.equal(res.status, 502);
    const problem = await problemOf(res);
    assert.equal(problem.code, 'PCL_ERR_UPSTREAM_ERROR');
    assert.equal(problem.status, 502);
    assert.equal(problem.requestId, res.headers.get('x-request-id'));
  });
});
