import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CHECK_INFOS } from '../checks/index.ts';
import type { ScanResult } from '../types.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';
import { renderSarif } from './sarif.ts';
import { atOrAbove } from './summary.ts';
import { renderText } from './text.ts';

const result: ScanResult = {
  target: 'http://127.0.0.1:3000/',
  spec: `${process.cwd()}/examples/demo/openapi.yaml`,
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 1234,
  requests: 42,
  budget: 1000,
  identities: [{ name: 'alice', role: 'user', userId: '1' }, { name: 'carol', role: 'admin' }],
  findings: [
    {
      check: 'bola-read', title: 'Another user reads an object that is not theirs', category: 'API1:2023', severity: 'high', confidence: 'confirmed', cwe: 639,
      operation: 'GET /api/v2/orders/{orderId}', message: 'bob got alice\'s order <script>alert(1)</script> & more',
      evidence: [{ request: { method: 'GET', url: 'http://127.0.0.1:3000/api/v2/orders/1006', headers: { 'X-API-Key': '${BOB_X_API_KEY}' } }, response: { status: 200, headers: {}, body: '{"id":1006}' }, note: 'bob reads' }],
      curl: 'curl -si -H "X-API-Key: ${BOB_X_API_KEY}" "http://127.0.0.1:3000/api/v2/orders/1006"',
    },
    {
      check: 'version-disclosure', title: 'Answers announce the server software and its version', category: 'API8:2023', severity: 'low', confidence: 'confirmed', cwe: 200,
      operation: 'GET /api/v2/me', message: 'server: x/1.0', evidence: [{ request: { method: 'GET', url: 'http://127.0.0.1:3000/api/v2/me', headers: {} } }], curl: 'curl -si "http://127.0.0.1:3000/api/v2/me"',
    },
  ],
  checks: CHECK_INFOS.map((i) => ({ check: i.id, status: i.id === 'ssrf' ? 'skipped' : 'ran', tested: i.id === 'bola-read' ? ['GET /api/v2/orders/{orderId}', 'GET /api/v2/users/{userId}/notes'] : [], ...(i.id === 'ssrf' ? { reason: 'no canary server (--no-canary)' } : {}) })),
  infos: CHECK_INFOS,
  errors: [],
};

describe('scan reports', () => {
  test('text: by severity, operation, evidence, curl, what did not run, totals', () => {
    const text = renderText(result);
    assert.ok(text.indexOf('HIGH (1)') < text.indexOf('LOW (1)'));
    assert.match(text, /bola-read: .* \[API1:2023 Broken Object Level Authorization, CWE-639, confirmed\]\n {4}GET \/api\/v2\/orders\/\{orderId\}/);
    assert.match(text, / {4}> GET http:\/\/127\.0\.0\.1:3000\/api\/v2\/orders\/1006 {3}\(bob reads\)\n {4}< 200 \{"id":1006\}/);
    assert.match(text, /reproduce: curl -si/);
    assert.match(text, /ssrf: no canary server/);
    assert.match(text, /2 findings \(1 high, 1 low\); 42 requests in 1\.2 s/);
  });

  test('JSON: counts per severity and category', () => {
    const json = JSON.parse(renderJson(result, '1.0.0'));
    assert.equal(json.counts.high, 1);
    assert.deepEqual(json.categories, { 'API1:2023': 1, 'API8:2023': 1 });
    assert.equal(json.findings[0].evidence[0].request.headers['X-API-Key'], '${BOB_X_API_KEY}');
  });

  test('SARIF 2.1.0: rules by index, levels, fingerprints, logical locations', () => {
    const run = JSON.parse(renderSarif(result, '1.0.0')).runs[0];
    assert.equal(run.tool.driver.name, 'portcullis-scan');
    assert.equal(run.tool.driver.rules.length, CHECK_INFOS.length);
    const [bola, banner] = run.results;
    assert.equal(run.tool.driver.rules[bola.ruleIndex].id, 'bola-read');
    assert.equal(bola.level, 'error');
    assert.equal(banner.level, 'note');
    assert.equal(bola.locations[0].logicalLocations[0].fullyQualifiedName, 'GET /api/v2/orders/{orderId}');
    assert.equal(bola.locations[0].physicalLocation.artifactLocation.uri, 'examples/demo/openapi.yaml');
    assert.match(bola.partialFingerprints['portcullisScan/v1'], /^[0-9a-f]{32}$/);
    assert.match(run.tool.driver.rules[0].properties.tags.join(' '), /external\/cwe\/cwe-\d+/);
  });

  test('JUnit: a case per check and operation, findings as failures, escaped', () => {
    const xml = renderJunit(result);
    assert.match(xml, /<testcase classname="bola-read" name="bola-read: GET \/api\/v2\/orders\/\{orderId\}">\n {6}<failure message="bob got alice&apos;s order &lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; more" type="high">/);
    assert.match(xml, /<testcase classname="bola-read" name="bola-read: GET \/api\/v2\/users\/\{userId\}\/notes"\/>/);
    assert.match(xml, /<testsuite name="ssrf [^"]*" tests="1" failures="0" errors="0" skipped="1">/);
    assert.match(xml, /<testsuites name="[^"]*" tests="\d+" failures="2" time="1\.234">/);
    assert.doesNotMatch(xml, /<script>/);
  });

  test('HTML: self-contained, escaped, a bar per category', () => {
    const html = renderHtml(result, '1.0.0');
    assert.doesNotMatch(html, /<script|src=|<link|@import|url\(/i);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.match(html, /bob got alice&apos;s order &lt;script&gt;/);
    assert.equal((html.match(/class="bar"/g) ?? []).length, 10, 'one bar per OWASP category');
  });

  test('text: control characters from the target are escaped (no terminal escape sequences)', () => {
    const hostile = '\u001b[2J\u001b[31mRED\u001b]0;TITLE\u0007 \u009b31m \u202eevil\r';
    const finding = { ...result.findings[1]!, message: `server: ${hostile}`, evidence: [{ request: { method: 'GET', url: 'http://127.0.0.1:3000/x', headers: {} }, response: { status: 200, headers: {}, body: hostile } }] };
    const text = renderText({ ...result, findings: [finding], errors: [`the target said ${hostile}`] }, { verbose: true });
    assert.doesNotMatch(text, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/, 'no raw control character');
    assert.match(text, /server: \\u001b\[2J\\u001b\[31mRED\\u001b\]0;TITLE\\u0007 \\u009b31m \\u202eevil\\u000d/);
    assert.match(text, /Stopped early: the target said \\u001b\[2J/);
    assert.match(text, /\n {4}reproduce: /, 'newlines stay');
  });

  test('checks that ran but tested nothing: listed with why, in every format', () => {
    const untested = { ...result, checks: result.checks.map((c) => (c.check === 'bfla' ? { check: c.check, status: 'ran' as const, tested: [], reason: 'the admin carol is refused (401 on GET /api/v2/admin/stats)' } : { ...c, tested: c.status === 'ran' ? ['GET /api/v2/me'] : [] })) };
    assert.match(renderText(untested), /\nRan, nothing tested \(a clean result proves nothing there\):\n {2}bfla: the admin carol is refused \(401 on GET \/api\/v2\/admin\/stats\)\n/);
    const json = JSON.parse(renderJson(untested, '1.0.0'));
    assert.deepEqual(json.checks.find((c: { check: string }) => c.check === 'bfla'), { check: 'bfla', status: 'ran', tested: [], reason: 'the admin carol is refused (401 on GET /api/v2/admin/stats)' });
    assert.match(renderHtml(untested, '1.0.0'), /<h2>Ran, nothing tested<\/h2>.*<li><code>bfla<\/code>: the admin carol is refused/s);
    const notes = JSON.parse(renderSarif(untested, '1.0.0')).runs[0].invocations[0].toolExecutionNotifications;
    const note = notes.find((n: { associatedRule?: { id: string } }) => n.associatedRule?.id === 'bfla');
    assert.equal(note.level, 'warning');
    assert.match(note.message.text, /^bfla ran, nothing tested: the admin carol is refused/);
    assert.match(renderJunit(untested), /<testcase classname="bfla" name="bfla">\n {6}<skipped message="the admin carol is refused/);
  });

  test('--fail-on counts findings at or above a severity', () => {
    assert.equal(atOrAbove(result.findings, 'critical').length, 0);
    assert.equal(atOrAbove(result.findings, 'high').length, 1);
    assert.equal(atOrAbove(result.findings, 'low').length, 2);
  });
});
