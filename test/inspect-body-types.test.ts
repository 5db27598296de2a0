// The inspect policy reads a body as the upstream will: by its bare media type (a form with a parameter
// naming XML is a form), and XML markup ending where parsers end it (a quote in a processing
// instruction hides nothing). Through a real gateway: attacks refused before the upstream, ordinary
// bodies forwarded byte for byte.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { passthroughYaml, startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const SQLI = "1' union select password from users-- ";
const FORM = `id=${encodeURIComponent(SQLI).replaceAll('%20', '+')}`;

describe('inspect: bodies read by their media type and XML markup', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  const post = (type: string, body: string | Buffer) => fetch(`${gw.url}/orders`, { method: 'POST', headers: { 'content-type': type }, body });

  before(async () => {
    upstream = await startUpstream();
    gw = await startTestGateway(passthroughYaml(upstream.url).replace('apis:', 'policies:\n  inspect: {}\napis:'));
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  const attacks: [string, string, string | Buffer][] = [
    ['a quote in a processing instruction', 'application/xml', `<?xml version="1.0"?><?foo '?><root><q>${SQLI}</q></root>`],
    ['double quotes in processing instructions', 'application/xml', `<?xml version="1.0"?><?foo "?><root><q><![CDATA[<script>alert(document.cookie)</script>]]></q></root><?bar "?>`],
    ['a quote running past a `<`', 'text/xml', `<r a='x><q>${SQLI}</q></r>`],
    ['a form with a parameter naming XML', 'application/x-www-form-urlencoded; a=xml', FORM],
    // A zero second byte is UTF-16 to JSON's detection; Express decodes the form as UTF-8.
    ['a form with a parameter naming JSON', 'application/x-www-form-urlencoded; a=+json', Buffer.from(`X\0 &${FORM}`, 'latin1')],
    ['an HTML body with an unquoted handler', 'text/html', '<p>hi</p><img src=x onerror=alert(1)>'],
  ];
  for (const [what, type, body] of attacks) {
    test(`refused (403) before the upstream sees it: ${what}`, async () => {
      const before = upstream.received.length;
      const res = await post(type, body);
      assert.equal(res.status, 403);
      assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_ATTACK_DETECTED');
      assert.equal(upstream.received.length, before, 'nothing reached the upstream');
    });
  }

  test('ordinary XML and forms pass byte for byte', async () => {
    const bodies: [string, string][] = [
      ['application/xml', `<?xml version="1.0" encoding="UTF-8"?>\n<?pi don't?>\n<!-- it's an order -->\n<order note='a > b'><msg>It's fine &amp; dandy</msg></order>`],
      ['application/soap+xml; charset=utf-8', '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><q>widgets</q></s:Body></s:Envelope>'],
      ['application/x-www-form-urlencoded; charset=utf-8', 'name=O%27Brien&note=it%27s+fine'],
    ];
    for (const [type, body] of bodies) {
      const res = await post(type, body);
      assert.equal(res.status, 200, await res.text());
      assert.equal(upstream.received.at(-1)!.body.toString(), body);
    }
  });
});
