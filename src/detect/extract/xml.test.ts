// The XML scanner ends each kind of markup where XML parsers do, so that no quote in a processing
// instruction, comment or declaration swallows the element text after it; where the document cannot be
// placed (a quote running past a `<`, markup never closed), the rest of it is inspected as text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileDetector, extractInputs } from '../index.ts';

// XML_TEXT, spelled out so that this file also runs against the scanner before it existed.
const XML_TEXT = '#text';

const SQLI = "1' union select password from users--";
const d = compileDetector();
// Paranoia 1 does not block a DOCTYPE without entities: what follows it must still be read.
const d1 = compileDetector({ paranoia: 1 });
const req = (body: string, contentType = 'application/xml') => ({ method: 'POST', path: '/', headers: {}, contentType, body });
const inputs = (body: string, contentType?: string) => extractInputs(req(body, contentType));

test('a processing instruction ends at the first ?>, whatever quotes it holds', () => {
  // Python's ElementTree parses both documents: q holds the injection.
  const pi = d.inspectRequest(req(`<?xml version="1.0"?><?foo '?><root><q>${SQLI}</q></root>`));
  assert.ok(pi.matches.some((m) => m.class === 'sqli' && m.name === 'root/q'), JSON.stringify(pi.matches));
  const xss = d.inspectRequest(req('<?xml version="1.0"?><?foo "?><root><q><![CDATA[<script>alert(document.cookie)</script>]]></q></root><?bar "?>'));
  assert.ok(xss.matches.some((m) => m.class === 'xss' && m.name === 'root/q'), JSON.stringify(xss.matches));
});

test('comments and declarations do not hide the elements after them', () => {
  for (const body of [
    `<!-- ' --><r><q>${SQLI}</q></r>`,
    `<!DOCTYPE r [ <!-- ' --> ]><r><q>${SQLI}</q></r>`,
    `<!DOCTYPE r SYSTEM "r'.dtd"><r><q>${SQLI}</q></r>`,
    `<!DOCTYPE r [ <!ATTLIST r a CDATA "'"> ]><r><q>${SQLI}</q></r>`,
  ]) {
    const v = d1.inspectRequest(req(body));
    assert.ok(v.matches.some((m) => m.class === 'sqli' && m.name === 'r/q'), body);
  }
});

test('a start tag whose quote runs past a `<`: the rest of the body is inspected as text', () => {
  // The quote of a='…' closes inside the injection: read with it, q's text would be part of the tag.
  const body = `<r a='x><q>${SQLI}</q></r>`;
  assert.ok(d.inspectRequest(req(body)).blocked);
  const found = inputs(body);
  assert.ok(found.some((i) => i.location === 'xml' && i.name === XML_TEXT && i.value === body));
  assert.ok(found.some((i) => i.location === 'xml' && i.name === 'r/q' && i.value === SQLI), 'read on as if the quotes were text');
});

test('markup never closed: the rest of the body is inspected as text', () => {
  for (const [body, rest] of [
    [`<r><ok>1</ok><?foo <q>${SQLI}</q></r>`, `<?foo <q>${SQLI}</q></r>`],
    [`<r><ok>1</ok><!-- <q>${SQLI}</q></r>`, `<!-- <q>${SQLI}</q></r>`],
    [`<r><ok>1</ok><!DOCTYPE r [ ${SQLI}`, `<!DOCTYPE r [ ${SQLI}`],
    [`<r><ok>1</ok><q a="${SQLI}`, `<q a="${SQLI}`],
  ]) {
    assert.ok(d.inspectRequest(req(body!)).blocked, body);
    assert.ok(inputs(body!).some((i) => i.name === XML_TEXT && i.value === rest), body);
  }
});

test('what a start tag holds besides quoted attributes is inspected with the tag', () => {
  // No attribute to an XML parser, one to a browser: HTML bodies are read by this scanner too.
  for (const [type, body] of [
    ['application/xml', '<r><img src=x onerror=alert(1)/></r>'],
    ['text/html', '<p>hi</p><img src=x onerror=alert(1)>'],
    ['', '<svg/onload=alert(1)>'],
    ['application/xml', '<r><a href="#" onclick=alert(1)>x</a></r>'],
  ]) {
    assert.ok(d.inspectRequest(req(body!, type)).matches.some((m) => m.class === 'xss'), body);
  }
  assert.ok(inputs('<r><img src=x/></r>').some((i) => i.name === 'r/img/@' && i.value === '<img src=x/>'));
});

test('well-formed documents: read as before, nothing read as text', () => {
  const body = `<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="style.xsl"?>
<!DOCTYPE order [ <!ELEMENT order ANY> <!ATTLIST order note CDATA "a > b"> ]>
<!-- it's an order -->
<order id="7" note='a > b, "quoted"' xmlns:x="urn:x">
  <x:item sku="A-1" qty = "2"/>
  <msg>It's fine &amp; dandy</msg>
</order>`;
  const found = inputs(body);
  assert.ok(!found.some((i) => i.name === XML_TEXT || i.name.endsWith('/@')));
  assert.ok(found.some((i) => i.name === '/order/@note' && i.value === 'a > b, "quoted"'));
  assert.ok(found.some((i) => i.name === 'order/x:item/@qty' && i.value === '2'));
  assert.ok(found.some((i) => i.name === 'order/msg' && i.value === "It's fine & dandy"));
  assert.ok(!d1.inspectRequest(req(body)).blocked);
});
