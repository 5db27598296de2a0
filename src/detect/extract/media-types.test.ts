// Which reading a body gets is decided by its bare media type, as the upstream's parsers decide it,
// never by a word somewhere in the Content-Type header (a parameter is the sender's to choose).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileDetector, extractInputs } from '../index.ts';

const SQLI = "1' union select password from users-- ";
// As a browser sends it: `+` for spaces, which only a form reading decodes.
const FORM = `id=${encodeURIComponent(SQLI).replaceAll('%20', '+')}`;
const d = compileDetector();
const req = (contentType: string, body: string | Buffer) => ({ method: 'POST', path: '/', headers: { 'content-type': contentType }, contentType, body });

test('a form is a form whatever its parameters say (Express, PHP and Rack read it as one)', () => {
  for (const type of [
    'application/x-www-form-urlencoded; a=xml',
    'application/x-www-form-urlencoded; charset=utf-8; profile="urn:x+xml"',
    'Application/X-WWW-Form-Urlencoded ; a=application/xml',
    'application/x-www-form-urlencoded; a=json',
    'application/x-www-form-urlencoded, application/xml',
  ]) {
    const found = extractInputs(req(type, FORM));
    assert.ok(found.some((i) => i.location === 'form' && i.name === 'id' && i.value === SQLI), type);
    assert.ok(d.inspectRequest(req(type, FORM)).matches.some((m) => m.class === 'sqli' && m.location === 'form'), type);
  }
});

test('a form body that is also JSON (Laravel reads a type naming JSON as JSON) is read both ways', () => {
  const body = JSON.stringify(FORM);
  const found = extractInputs(req('application/x-www-form-urlencoded; a=/json', body));
  assert.ok(found.some((i) => i.location === 'body' && i.value === FORM), 'as JSON');
  assert.ok(found.some((i) => i.location === 'form' && i.value === `${SQLI}"`), 'as a form');
});

test('a form body is decoded as bytes, not as JSON, when a parameter names JSON', () => {
  // A zero second byte reads as UTF-16 to JSON's detection: the form Express decodes as UTF-8 would be lost.
  const body = Buffer.from(`X\0 &${FORM}&z=1`, 'latin1');
  assert.ok(d.inspectRequest(req('application/x-www-form-urlencoded; a=json', body)).matches.some((m) => m.class === 'sqli' && m.location === 'form'));
});

test('XML by its type: /xml and +xml, not a word in a parameter or another subtype', () => {
  for (const type of ['application/xml', 'text/xml; charset=utf-8', 'application/soap+xml; action="urn:x"']) {
    assert.ok(extractInputs(req(type, 'a=b')).some((i) => i.location === 'xml'), type);
  }
  for (const type of ['text/plain; a=xml', 'application/octet-stream; x=xml', 'application/xml-dtd']) {
    assert.ok(!extractInputs(req(type, 'a=b')).some((i) => i.location === 'xml'), type);
  }
});

test('multipart parts are read by their media type too', () => {
  const part = (type: string, content: string) =>
    req('multipart/form-data; boundary=B', `--B\r\nContent-Disposition: form-data; name="q"\r\nContent-Type: ${type}\r\n\r\n${content}\r\n--B--\r\n`);
  // A text field whose type merely contains "xml" is text: the whole of it is inspected.
  const html = '<img src=x onerror=alert(1)>';
  assert.ok(extractInputs(part('text/x-nonxml', html)).some((i) => i.location === 'multipart' && i.name === 'q' && i.value === html));
  assert.ok(extractInputs(part('application/soap+xml', `<r><q>${SQLI}</q></r>`)).some((i) => i.location === 'xml' && i.value === SQLI.trim()));
  assert.ok(extractInputs(part('application/x-www-form-urlencoded', FORM)).some((i) => i.location === 'form' && i.value === SQLI));
  const notForm = extractInputs(part('application/x-www-form-urlencoded-x', FORM));
  assert.ok(notForm.some((i) => i.location === 'multipart' && i.value === FORM) && !notForm.some((i) => i.location === 'form'));
});
