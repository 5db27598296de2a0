// data-leak by response media type, through a real gateway and upstream: JSON one text after another
// (NDJSON, JSON Lines, JSON text sequences), JSONP and other scripts, YAML and the +json / +xml
// suffixes are masked like JSON and text; bodies the policy does not rewrite (octet-stream, unknown
// types, untyped binary) are read byte for byte and withheld when something would be masked;
// images, audio, video, fonts and compressed archives are not read.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { passthroughYaml, startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { rawResponse, startRawUpstream, type RawUpstream } from './helpers/raw-upstream.ts';
import { servingBodies, type CannedBody, type TestUpstream } from './helpers/upstream.ts';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
const KEY = 'AKIAIOSFODNN7EXAMPLE';

const bodies: Record<string, CannedBody> = {
  // A card sent as a number becomes a string in its own record; a record with nothing found keeps its bytes.
  '/ndjson': { type: 'application/x-ndjson', body: '{"id":1,"card":"4111111111111111"}\n{"id":2,"card":4111111111111111}\r\n{"id": 3,  "ok": true}\n' },
  '/ndjson-plain': { type: 'application/ndjson', body: `{"k":"${KEY}"}\n` },
  // Latin-1: masked on the bytes, records written again with their raw bytes.
  '/ndjson-latin1': { type: 'application/x-ndjson; charset=iso-8859-1', body: Buffer.from('{"n":"Jos\u00e9","card":4111111111111111}\n{"n":"\u00fc"}\n', 'latin1') },
  '/jsonl': { type: 'application/jsonl', body: `{"aws":"${KEY}","password":"hunter2"}\n{"n":1}` },
  // RFC 7464: each JSON text after a record separator (0x1E).
  '/json-seq': { type: 'application/json-seq', body: '\x1e{"pan":4111111111111111}\n\x1e{"a":1}\n' },
  // NDJSON sent as +json (Spring's application/stream+json) or mislabelled application/json; a line
  // that is no JSON is masked as text, a PEM block across lines whole.
  '/stream-json': { type: 'application/stream+json', body: '{"card":4111111111111111}\n{"ssn":"078-05-1120"}\n' },
  '/json-lines-mislabelled': { type: 'application/json', body: `{"card":4111111111111111}\nnot json ${KEY}\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n[1,2]\n` },
  // JSONP, as Express writes it: the JSON inside is masked as JSON.
  '/jsonp': { type: 'application/javascript; charset=utf-8', body: `/**/ typeof cb === 'function' && cb({"card":4111111111111111,"k":"${KEY}"});` },
  '/jsonp-text': { type: 'text/javascript', body: `cb({"pan":4111111111111111})` },
  '/script': { type: 'text/javascript', body: `var aws = "${KEY}"; // ssn 078-05-1120` },
  '/x-javascript': { type: 'application/x-javascript', body: `window.card = "4111 1111 1111 1111";` },
  '/yaml': { type: 'application/yaml', body: `card: 4111 1111 1111 1111\nssn: 078-05-1120\n` },
  '/x-yaml': { type: 'application/x-yaml', body: `aws: ${KEY}\n` },
  '/text-yaml': { type: 'text/yaml', body: `password: x\niban: DE89370400440532013000\n` },
  '/openapi-yaml': { type: 'application/openapi+yaml', body: `example: ${KEY}\n` },
  '/vendor-json': { type: 'application/vnd.acme.order+json', body: '{"card":"4111111111111111"}' },
  '/vendor-xml': { type: 'application/vnd.acme.order+xml', body: '<card>4111111111111111</card>' },
  '/svg': { type: 'image/svg+xml', body: `<svg><!-- ${KEY} --></svg>` },
  // Not rewritten: withheld when something would be masked or blocks.
  '/octet-card': { type: 'application/octet-stream', body: Buffer.from([0x00, 0xff, ...Buffer.from(' 4111111111111111 '), 0x01]) },
  '/octet-key': { type: 'application/octet-stream', body: `key=${KEY}` },
  '/octet-pem': { type: 'application/octet-stream', body: '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n' },
  '/octet-nbsp': { type: 'application/octet-stream', body: 'card 4111\u00a01111\u00a01111\u00a01111 caf\u00e9' },
  '/octet-jwt': { type: 'application/octet-stream', body: `token ${JWT}` },
  '/octet-ssn': { type: 'application/pdf', body: Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, ...Buffer.from(' Order 123-45-6789 '), 0xff]) },
  '/octet-clean': { type: 'application/octet-stream', body: Buffer.from([0x00, 0x01, 0x02, 0xff, 0x41, 0x4b, 0x49, 0x41]) },
  '/protobuf': { type: 'application/x-protobuf', body: Buffer.from([0x0a, 0x14, ...Buffer.from(KEY)]) },
  '/pdf': { type: 'application/pdf', body: '%PDF-1.4\n(card 4111111111111111) Tj\n' },
  // Out of scope: media and compressed types are not read.
  '/png': { type: 'image/png', body: Buffer.from([0x89, 0x50, 0x4e, 0x47, ...Buffer.from(` ${KEY} 4111111111111111`)]) },
  '/gzip': { type: 'application/gzip', body: Buffer.from([0x1f, 0x8b, 0x08, ...Buffer.from(` ${KEY}`)]) },
  '/font': { type: 'font/woff2', body: Buffer.from(`wOF2 ${KEY}`) },
};

describe('data-leak by media type', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  let blocking: TestGateway;
  let report: TestGateway;

  before(async () => {
    upstream = await servingBodies(bodies);
    gw = await startTestGateway(passthroughYaml(upstream.url, '    policies:\n      data-leak: {}\n'));
    blocking = await startTestGateway(passthroughYaml(upstream.url, '    policies:\n      data-leak: { actions: { cloudKey: block, card: report, ssn: block } }\n'));
    report = await startTestGateway(passthroughYaml(upstream.url, '    policies:\n      data-leak: { mode: report }\n'));
  });
  after(async () => {
    await gw.close();
    await blocking.close();
    await report.close();
    await upstream.close();
  });

  const text = async (path: string, g = gw) => {
    const res = await fetch(`${g.url}${path}`);
    assert.equal(res.status, 200, path);
    return res.text();
  };
  const withheld = async (path: string, g = gw) => {
    const res = await fetch(`${g.url}${path}`);
    assert.equal(res.status, 502, path);
    const sent = await res.text();
    assert.equal(JSON.parse(sent).code, 'PCL_ERR_RESPONSE_DATA_LEAK', path);
    assert.doesNotMatch(sent, /4111|AKIA|PRIVATE/, path);
  };
  const unchanged = async (path: string, g = gw) => {
    const res = await fetch(`${g.url}${path}`);
    assert.equal(res.status, 200, path);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), Buffer.from(bodies[path]!.body), path);
  };

  test('NDJSON, JSON Lines and JSON text sequences are masked record by record; each record stays JSON', async () => {
    assert.equal(await text('/ndjson'), '{"id":1,"card":"************1111"}\n{"id":2,"card":"************1111"}\r\n{"id": 3,  "ok": true}\n');
    assert.equal(await text('/ndjson-plain'), '{"k":"AKIA[REDACTED]"}\n');
    assert.deepEqual(Buffer.from(await (await fetch(`${gw.url}/ndjson-latin1`)).arrayBuffer()), Buffer.from('{"n":"Jos\u00e9","card":"************1111"}\n{"n":"\u00fc"}\n', 'latin1'));
    assert.equal(await text('/jsonl'), '{"aws":"AKIA[REDACTED]","password":"[REDACTED]"}\n{"n":1}');
    assert.equal(await text('/json-seq'), '\x1e{"pan":"************1111"}\n\x1e{"a":1}\n');
    assert.equal(await text('/stream-json'), '{"card":"************1111"}\n{"ssn":"***-**-1120"}\n');
    assert.equal(await text('/json-lines-mislabelled'), '{"card":"************1111"}\nnot json AKIA[REDACTED]\n[REDACTED PRIVATE KEY]\n[1,2]\n');
    await withheld('/ndjson-plain', blocking);
  });

  test('JSONP and scripts are masked: the JSON inside a callback as JSON, the rest as text', async () => {
    assert.equal(await text('/jsonp'), `/**/ typeof cb === 'function' && cb({"card":"************1111","k":"AKIA[REDACTED]"});`);
    assert.equal(await text('/jsonp-text'), 'cb({"pan":"************1111"})');
    assert.equal(await text('/script'), 'var aws = "AKIA[REDACTED]"; // ssn ***-**-1120');
    assert.equal(await text('/x-javascript'), 'window.card = "************1111";');
  });

  test('YAML (application/yaml, application/x-yaml, text/yaml, +yaml) is masked as text', async () => {
    assert.equal(await text('/yaml'), 'card: ************1111\nssn: ***-**-1120\n');
    assert.equal(await text('/x-yaml'), 'aws: AKIA[REDACTED]\n');
    assert.equal(await text('/text-yaml'), 'password: x\niban: DE****************3000\n');
    assert.equal(await text('/openapi-yaml'), 'example: AKIA[REDACTED]\n');
  });

  test('+json and +xml suffixes are masked as JSON and as text, SVG included', async () => {
    assert.deepEqual(JSON.parse(await text('/vendor-json')), { card: '************1111' });
    assert.equal(await text('/vendor-xml'), '<card>************1111</card>');
    assert.equal(await text('/svg'), '<svg><!-- AKIA[REDACTED] --></svg>');
  });

  test('octet-stream and unknown types are read byte for byte and withheld, never rewritten, when something would be masked', async () => {
    for (const path of ['/octet-card', '/octet-key', '/octet-pem', '/octet-nbsp', '/protobuf', '/pdf']) await withheld(path);
    // A reported type (JWT by default) is only reported; a clean body goes out byte for byte.
    await unchanged('/octet-jwt');
    await unchanged('/octet-clean');
    // An SSN is a shape only (a part number, a build string look alike): reported, the file not withheld.
    await unchanged('/octet-ssn');
    // With block, a blocking type withholds it; one set to report does not.
    await withheld('/octet-key', blocking);
    await withheld('/octet-ssn', blocking);
    await unchanged('/octet-card', blocking);
    // Report mode changes nothing the client gets.
    await unchanged('/octet-card', report);
  });

  test('images, audio, video, fonts and compressed archives are not read', async () => {
    for (const path of ['/png', '/gzip', '/font']) await unchanged(path);
  });
});

describe('data-leak: a body without a Content-Type', () => {
  const answers: Record<string, string | Buffer> = {
    '/binary-key': Buffer.from([0x00, 0x01, 0xfe, ...Buffer.from(` ${KEY}`)]),
    '/binary-card': Buffer.from([0x00, ...Buffer.from('4111111111111111')]),
    '/binary-clean': Buffer.from([0x00, 0x01, 0x02, 0x03]),
    '/text': `card 4111111111111111`,
  };
  let upstream: RawUpstream;
  let gw: TestGateway;

  before(async () => {
    upstream = await startRawUpstream((head) => rawResponse('200 OK', [], answers[head.split(' ')[1]!]!));
    gw = await startTestGateway(passthroughYaml(upstream.url, '    policies:\n      data-leak: {}\n'));
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  test('binary without a type is read byte for byte: withheld when something would be masked, else unchanged', async () => {
    for (const path of ['/binary-key', '/binary-card']) {
      const res = await fetch(`${gw.url}${path}`);
      assert.equal(res.status, 502, path);
      assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_RESPONSE_DATA_LEAK', path);
    }
    assert.deepEqual(Buffer.from(await (await fetch(`${gw.url}/binary-clean`)).arrayBuffer()), answers['/binary-clean']);
    // Text without a type is still masked as text.
    assert.equal(await (await fetch(`${gw.url}/text`)).text(), 'card ************1111');
  });
});
