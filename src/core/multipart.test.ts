import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundaryOf, forEachPart, parseMultipart } from './multipart.ts';

const limits = { maxParts: 10 };
/** LF line breaks written as such become CRLF (CRLF written as such stays). */
const body = (text: string) => Buffer.from(text.replace(/(?<!\r)\n/g, '\r\n'));
/** One part (CRLF line breaks added) after the delimiter of boundary XX. */
const part = (headers: string, content = 'v') => `--XX\r\n${headers}\r\n\r\n${content}\r\n`;
const field = (name: string, content = 'v') => part(`Content-Disposition: form-data; name="${name}"`, content);

test('boundary parameter, quoted or not, 1 to 70 characters', () => {
  assert.equal(boundaryOf('multipart/form-data; boundary=abc'), 'abc');
  assert.equal(boundaryOf('multipart/form-data;boundary=abc'), 'abc');
  assert.equal(boundaryOf('multipart/form-data; charset=utf-8; boundary="a b:c"'), 'a b:c');
  assert.equal(boundaryOf('Multipart/Form-Data; BOUNDARY=abc'), 'abc');
  assert.equal(boundaryOf('multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW'), '----WebKitFormBoundary7MA4YWxkTrZu0gW');
  assert.equal(boundaryOf('multipart/form-data; boundary="7d7c2a1e-4b1f-4ad4-9a65-1f2b7a4c0e11"'), '7d7c2a1e-4b1f-4ad4-9a65-1f2b7a4c0e11'); // .NET
  assert.equal(boundaryOf('multipart/form-data'), undefined);
  assert.equal(boundaryOf('multipart/form-data; boundary='), undefined);
  assert.equal(boundaryOf(`multipart/form-data; boundary=${'x'.repeat(71)}`), undefined);
});

test('a Content-Type whose boundary parsers may read differently has none', () => {
  for (const type of [
    'multipart/form-data; xboundary=Z; boundary=B', // PHP takes the first "boundary" substring: Z
    'multipart/form-data; boundary=B; xboundary=Z',
    'multipart/form-data; boundary=A; boundary=B', // Rack takes the last, busboy the first
    'multipart/form-data; boundary=B; charset="boundary"',
    'multipart/form-data; BOUNDARY=----FormboundaryX', // PHP looks for lower-case "boundary" first
    'multipart/form-data; boundary="a boundary=b"', // Rack takes the last "boundary="
    'multipart/form-data; boundary="a b;c"', // Rack cuts at ";" or ","
    'multipart/form-data; boundary=a,b',
    'multipart/form-data; boundary="a\\"b"', // an escape to busboy, not to PHP
    'multipart/form-data; boundary=B ; charset=utf-8', // PHP keeps the blank
    'multipart/form-data; boundary=B;', // busboy refuses an empty parameter
    "multipart/form-data; boundary='B'",
    "multipart/form-data; boundary*=utf-8''B",
    'multipart/form-data, text/plain; boundary=B',
    'multipart/form-data; boundary="B',
    'multipart/form-data; boundary="B "',
  ]) assert.equal(boundaryOf(type), undefined, type);
});

test('a file name with backslashes (a Windows path, curl escapes) is kept as sent, with its other readings', () => {
  const parts = parseMultipart(body('--XX\nContent-Disposition: form-data; name="doc"; filename="C:\\Users\\me\\report.pdf"\n\n%PDF\n--XX\nContent-Disposition: form-data; name="b"; filename="a\\\\b.txt"\n\nx\n--XX\nContent-Disposition: form-data; name="c"; filename="plain.txt"\n\ny\n--XX--'), 'XX', limits);
  assert.ok(Array.isArray(parts), String(parts));
  assert.equal(parts[0]!.filename, 'C:\\Users\\me\\report.pdf');
  assert.deepEqual(parts[0]!.filenameReadings, ['C:Usersmereport.pdf', 'report.pdf']);
  assert.equal(parts[1]!.filename, 'a\\\\b.txt');
  assert.deepEqual(parts[1]!.filenameReadings, ['a\\b.txt', 'b.txt']);
  assert.deepEqual(parts[2]!.filenameReadings, []);
});

test('fields and files, bytes kept as sent, preamble and blank epilogue ignored', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff]);
  const raw = Buffer.concat([
    body('preamble\n--XX\nContent-Disposition: form-data; name="title"\n\nHello, wörld\n--XX\nContent-Disposition: form-data; name="photo"; filename="a %22b%22.png"\nContent-Type: image/PNG\n\n'),
    png,
    body('\n--XX--\n\n \t\n'),
  ]);
  const parts = parseMultipart(raw, 'XX', limits);
  assert.ok(Array.isArray(parts), String(parts));
  assert.equal(parts.length, 2);
  assert.deepEqual({ ...parts[0]!, data: parts[0]!.data.toString('utf8') }, { name: 'title', filename: undefined, extendedFilename: undefined, filenameReadings: [], contentType: '', data: 'Hello, wörld' });
  assert.equal(parts[1]!.filename, 'a %22b%22.png');
  assert.equal(parts[1]!.contentType, 'image/png');
  assert.deepEqual(parts[1]!.data, png);
  // "--XX" elsewhere than at the start of a line is data to every parser.
  const inline = parseMultipart(body(`${field('a', 'x --XX y --XX--')}--XX--`), 'XX', limits);
  assert.ok(Array.isArray(inline) && inline[0]!.data.toString() === 'x --XX y --XX--');
});

test('what browsers, curl and common client libraries send is read', async () => {
  const form = new FormData();
  form.set('caption', 'Mé "quoted"\r\nnext line');
  form.set('meta', new Blob(['{"alt":"a"}'], { type: 'application/json' }));
  form.set('file', new Blob([new Uint8Array([0, 1, 2, 0x0d, 0x0a, 0x2d, 0x2d])], { type: 'application/octet-stream' }), 'my "photo".bin');
  const response = new Response(form);
  const type = response.headers.get('content-type')!;
  const parts = parseMultipart(Buffer.from(await response.arrayBuffer()), boundaryOf(type)!, limits);
  assert.ok(Array.isArray(parts), String(parts));
  assert.deepEqual(parts.map((p) => [p.name, p.filename]), [['caption', undefined], ['meta', 'blob'], ['file', 'my %22photo%22.bin']]);
  assert.equal(parts[0]!.data.toString(), 'Mé "quoted"\r\nnext line');
  // curl -F 'a=1' -F 'f=@x.txt;type=text/plain'
  const curl = '--------------------------d74496d66958873e\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--------------------------d74496d66958873e\r\nContent-Disposition: form-data; name="f"; filename="x.txt"\r\nContent-Type: text/plain\r\n\r\nhello\n\r\n--------------------------d74496d66958873e--\r\n';
  assert.equal((parseMultipart(Buffer.from(curl), boundaryOf('multipart/form-data; boundary=------------------------d74496d66958873e')!, limits) as unknown[]).length, 2);
  // Apache HttpClient (strict mode): a charset and a transfer encoding that mean "as is".
  const apache = body(`${part('Content-Disposition: form-data; name="a"\nContent-Type: text/plain; charset=US-ASCII\nContent-Transfer-Encoding: 8bit')}${part('Content-Disposition: form-data; name="f"; filename="f.bin"\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: binary')}--XX--\n`);
  assert.equal((parseMultipart(apache, 'XX', limits) as unknown[]).length, 2);
  // .NET's MultipartFormDataContent: unquoted parameters and filename* beside filename.
  const dotnet = parseMultipart(body(`${part("Content-Disposition: form-data; name=file; filename=\"=?utf-8?B?w6kudHh0?=\"; filename*=utf-8''%C3%A9.txt")}--XX--`), 'XX', limits);
  assert.ok(Array.isArray(dotnet), String(dotnet));
  assert.deepEqual([dotnet[0]!.name, dotnet[0]!.filename, dotnet[0]!.extendedFilename], ['file', '=?utf-8?B?w6kudHh0?=', 'é.txt']);
  // A file input left empty (browsers).
  const empty = parseMultipart(body(`${part('Content-Disposition: form-data; name="f"; filename=""\nContent-Type: application/octet-stream', '')}--XX--`), 'XX', limits);
  assert.ok(Array.isArray(empty) && empty[0]!.filename === '' && empty[0]!.data.length === 0);
  const latin1 = parseMultipart(body(`${part("Content-Disposition: form-data; name=\"f\"; filename=\"a\"; FILENAME*=ISO-8859-1'en'%E9%2Fx")}--XX--`), 'XX', limits);
  assert.ok(Array.isArray(latin1) && latin1[0]!.extendedFilename === 'é/x');
});

test('an empty form, and parts of other multipart types without Content-Disposition', () => {
  assert.deepEqual(parseMultipart(body('--XX--\n'), 'XX', limits), []);
  const related = parseMultipart(body(`${part('Content-Type: application/json\nContent-ID: <meta>', '{}')}--XX--`), 'XX', { ...limits, formData: false });
  assert.ok(Array.isArray(related) && related[0]!.name === '' && related[0]!.contentType === 'application/json');
  assert.match(parseMultipart(body(`${part('Content-Type: application/json', '{}')}--XX--`), 'XX', limits) as string, /without Content-Disposition/);
});

test('what does not follow the grammar, or what parsers read differently, is refused, never guessed', () => {
  // The fourth member says the text is sent as written (bare LFs kept).
  const cases: [string, string, RegExp, true?][] = [
    // framing
    ['no delimiter', 'no boundary here', /opening boundary/],
    ['not closed', '--XX\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue', /not closed/],
    ['parts after the close delimiter (PHP reads them)', `${field('name', 'bob')}--XX--\r\n${field('role', 'admin')}--XX--\r\n`, /data after its close delimiter/],
    ['an epilogue that is not blank', `${field('a')}--XX--\r\nepilogue`, /data after its close delimiter/],
    ['text right after the close delimiter', `${field('a')}--XX--x`, /data after its close delimiter/],
    ['a delimiter after a bare LF (PHP and Go split there)', `${field('q', 'ok\n--XX\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n\r\nx')}--XX--`, /line break other than CRLF/, true],
    ['a delimiter after a bare CR (Werkzeug splits there)', `${field('q', 'ok\r--XX\r\nContent-Disposition: form-data; name="f"\r\n\r\nx')}--XX--`, /line break other than CRLF/],
    ['LF line breaks throughout', '--XX\nContent-Disposition: form-data; name="a"\n\nv\n--XX--\n', /does not end with CRLF/, true],
    ['transport padding (PHP skips the line)', `--XX \r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--XX--`, /does not end with CRLF/],
    ['a line that starts like a delimiter', `${field('a')}--XXY\r\n${field('b')}--XX--`, /does not end with CRLF/],
    ['a first delimiter after a bare LF', `preamble\n${field('a')}--XX--`, /does not start a line/, true],
    ['a first delimiter mid-line (Werkzeug takes it)', `preamble--XX\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--XX--`, /does not start a line/],
    ['a delimiter inside the headers', `--XX\r\nContent-Disposition: form-data; name="a"\r\n--XX\r\nContent-Disposition: form-data; name="b"\r\n\r\nv\r\n--XX--`, /headers do not end/],
    ['headers ending at the delimiter', '--XX\r\nContent-Disposition: form-data; name="a"\r\n\r\n--XX--', /headers do not end/],
    // part headers
    ['no Content-Disposition', '--XX\nContent-Type: text/plain\n\nvalue\n--XX--', /without Content-Disposition/],
    ['not form-data', '--XX\nContent-Disposition: attachment; name="a"\n\nvalue\n--XX--', /not form-data/],
    ['no name', '--XX\nContent-Disposition: form-data\n\nvalue\n--XX--', /without a name/],
    ['an empty name (busboy names it "undefined")', '--XX\nContent-Disposition: form-data; name=""\n\nvalue\n--XX--', /without a name/],
    ['two Content-Disposition (PHP, Werkzeug take the first)', '--XX\nContent-Disposition: form-data; name="a"\nContent-Disposition: form-data; name="b"\n\nv\n--XX--', /two Content-Disposition/],
    ['two Content-Type', '--XX\nContent-Disposition: form-data; name="a"\nContent-Type: text/plain\nContent-Type: application/octet-stream\n\nv\n--XX--', /two Content-Type/],
    ['a header line without a colon', '--XX\nbroken header line\n\nv\n--XX--', /malformed part header/],
    ['a folded header line', '--XX\nContent-Disposition: form-data;\n name="a"\n\nv\n--XX--', /malformed part header/],
    ['a blank before the colon (PHP does not see the header)', '--XX\nContent-Disposition : form-data; name="a"\n\nv\n--XX--', /malformed part header/],
    ['a bare LF inside the headers', '--XX\r\nContent-Disposition: form-data; name="a"\nContent-Type: application/octet-stream\r\n\r\nv\r\n--XX--', /malformed part header/, true],
    ['a NUL in a header', '--XX\nContent-Disposition: form-data; name="a\0b"\n\nv\n--XX--', /malformed part header/],
    ['base64 transfer encoding (python-multipart decodes it)', '--XX\nContent-Disposition: form-data; name="a"\nContent-Transfer-Encoding: base64\n\nJyBPUiAxPTE=\n--XX--', /Content-Transfer-Encoding other than/],
    ['a UTF-16 field (busboy decodes it)', '--XX\nContent-Disposition: form-data; name="a"\nContent-Type: text/plain; charset=utf-16le\n\nv\n--XX--', /charset is not/],
    ['a base64 "charset" (busboy decodes it)', '--XX\nContent-Disposition: form-data; name="a"\nContent-Type: text/plain; charset="base64"\n\nv\n--XX--', /charset is not/],
    ['a malformed part Content-Type', '--XX\nContent-Disposition: form-data; name="a"\nContent-Type: text/plain; charset\n\nv\n--XX--', /malformed Content-Type/],
    // disposition parameters
    ["a parameter quoted with ' (PHP reads a quote)", `--XX\nContent-Disposition: form-data; name="q"; x='; filename="a.bin"'\n\nv\n--XX--`, /malformed parameter/],
    ["a name quoted with '", "--XX\nContent-Disposition: form-data; name='q'\n\nv\n--XX--", /malformed parameter/],
    ['a quote inside a token (PHP reads a quoted string)', '--XX\nContent-Disposition: form-data; name=a"b; filename=c"\n\nv\n--XX--', /malformed parameter/],
    ['a backslash (an escape to some parsers)', '--XX\nContent-Disposition: form-data; name="a\\"; filename=\\"x"\n\nv\n--XX--', /backslash/],
    ['a backslash before a letter', '--XX\nContent-Disposition: form-data; name="a\\b"\n\nv\n--XX--', /backslash/],
    ['a file name whose closing quote follows a backslash', '--XX\nContent-Disposition: form-data; name="a"; filename="C:\\dir\\"\n\nv\n--XX--', /closing quote follows a backslash/],
    ['a file name whose closing quote follows three backslashes', '--XX\nContent-Disposition: form-data; name="a"; filename="x\\\\\\"\n\nv\n--XX--', /closing quote follows a backslash/],
    // PHP and Python's email module read "\\"" as an escaped quote too: the value runs on, and x's text becomes parameters.
    ['a file name ending in an escaped backslash (PHP reads filename=shell.php)', '--XX\nContent-Disposition: form-data; name="f"; filename="a\\\\"; x="; filename=shell.php; y="\n\nv\n--XX--', /closing quote follows a backslash/],
    ['a file name ending in an escaped backslash (PHP reads name=role)', '--XX\nContent-Disposition: form-data; name="safe"; filename="a\\\\"; x="; name=role; y="\n\nv\n--XX--', /closing quote follows a backslash/],
    ['an unterminated quote', '--XX\nContent-Disposition: form-data; name="a\n\nv\n--XX--', /unterminated/],
    ['two names (PHP, Werkzeug keep the last; busboy the first)', '--XX\nContent-Disposition: form-data; name="a"; name="b"\n\nv\n--XX--', /repeated parameter/],
    ['two names in different case', '--XX\nContent-Disposition: form-data; Name="a"; name="b"\n\nv\n--XX--', /repeated parameter/],
    ['two filenames', '--XX\nContent-Disposition: form-data; name="a"; filename="a.txt"; filename="a.php"\n\nv\n--XX--', /repeated parameter/],
    ['a blank before "=" (PHP does not see the name)', '--XX\nContent-Disposition: form-data; name ="a"\n\nv\n--XX--', /malformed parameter/],
    ['a blank after "="', '--XX\nContent-Disposition: form-data; name= "a"\n\nv\n--XX--', /malformed parameter/],
    ['a trailing ";" (busboy skips the part)', '--XX\nContent-Disposition: form-data; name="a";\n\nv\n--XX--', /malformed parameter/],
    ['junk after a quoted value', '--XX\nContent-Disposition: form-data; name="a"x; filename="b"\n\nv\n--XX--', /malformed parameter/],
    // extended parameters
    ['filename* alone (PHP sees a field)', "--XX\nContent-Disposition: form-data; name=\"f\"; filename*=UTF-8''a.bin\n\nv\n--XX--", /filename\* but no filename/],
    ['name* (Werkzeug reads it, PHP and busboy do not)', "--XX\nContent-Disposition: form-data; name=\"a\"; name*=UTF-8''role\n\nv\n--XX--", /extended parameter other than filename\*/],
    ['an RFC 2231 continuation', "--XX\nContent-Disposition: form-data; name=\"a\"; filename=\"x\"; filename*0*=UTF-8''a; filename*1=b\n\nv\n--XX--", /extended parameter other than filename\*/],
    ['filename* quoted', '--XX\nContent-Disposition: form-data; name="a"; filename="x"; filename*="UTF-8\'\'a"\n\nv\n--XX--', /malformed parameter/],
    ['filename* in another charset', "--XX\nContent-Disposition: form-data; name=\"a\"; filename=\"x\"; filename*=UTF-16''a\n\nv\n--XX--", /malformed filename\*/],
    ['filename* with a bad escape', "--XX\nContent-Disposition: form-data; name=\"a\"; filename=\"x\"; filename*=UTF-8''a%zz\n\nv\n--XX--", /malformed/],
    ['filename* not valid UTF-8', "--XX\nContent-Disposition: form-data; name=\"a\"; filename=\"x\"; filename*=UTF-8''%C3%28\n\nv\n--XX--", /malformed filename\*/],
  ];
  for (const [what, text, expected, raw] of cases) {
    const result = parseMultipart(raw ? Buffer.from(text) : body(text), 'XX', limits);
    assert.equal(typeof result, 'string', what);
    assert.match(result as string, expected, what);
  }
  const many = `${'--XX\nContent-Disposition: form-data; name="a"\n\nv\n'.repeat(11)}--XX--`;
  assert.match(parseMultipart(body(many), 'XX', limits) as string, /more than 10 parts/);
});

test('forEachPart stops when asked, without reading further', () => {
  const names: string[] = [];
  const text = `${field('a')}${field('b')}--XX--\r\ngarbage`;
  assert.equal(forEachPart(Buffer.from(text), 'XX', limits, (p) => names.push(p.name) < 1), undefined);
  assert.deepEqual(names, ['a']);
  assert.match(forEachPart(Buffer.from(text), 'XX', limits, () => true)!, /data after its close delimiter/);
});

test('a large body is parsed in linear time', () => {
  const big = Buffer.concat([body('--XX\nContent-Disposition: form-data; name="f"; filename="f.bin"\n\n'), Buffer.alloc(8 << 20, 0x2d), body('\n--XX--')]);
  const started = performance.now();
  const parts = parseMultipart(big, 'XX', limits);
  assert.ok(Array.isArray(parts) && parts[0]!.data.length === 8 << 20);
  // "--XX" repeated mid-line: each occurrence is looked at once.
  const dashes = Buffer.concat([body('--XX\nContent-Disposition: form-data; name="f"; filename="f.bin"\n\n'), Buffer.from('x--XX'.repeat(1 << 20)), body('\n--XX--')]);
  assert.ok(Array.isArray(parseMultipart(dashes, 'XX', limits)));
  assert.ok(performance.now() - started < 3000);
});

// PHP reads part headers in lines of at most 5120 bytes: a padded line would hide a Content-Disposition
// PHP sees (and takes first) from a parser reading whole lines.
test('a part header line longer than 4096 bytes is refused', () => {
  const raw = Buffer.from(`--XX\r\nX-Pad: ${'a'.repeat(5113)}Content-Disposition: form-data; name="role"\r\nContent-Disposition: form-data; name="bio"\r\n\r\nadmin\r\n--XX--\r\n`);
  assert.equal(parseMultipart(raw, 'XX', limits), 'has a part header line longer than 4096 bytes');
  assert.ok(Array.isArray(parseMultipart(Buffer.from(`--XX\r\nX-Pad: ${'a'.repeat(4000)}\r\nContent-Disposition: form-data; name="bio"\r\n\r\nx\r\n--XX--\r\n`), 'XX', limits)));
});
