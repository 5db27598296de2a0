// Response validation through a real gateway: enforced, an undocumented status or a body that does
// not match its schema becomes a 502; reported (the default), the client gets the response untouched.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../../../test/helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';

const spec = `openapi: 3.1.0
info: { title: t, version: '1' }
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { type: object, required: [id, name], properties: { id: { type: integer }, name: { type: string } } }
        '404': { description: missing }
        5XX:
          description: failure
          content: { application/json: { schema: { type: object, required: [error] } } }
`;

const answers: Record<string, [number, string, string]> = {
  good: [200, 'application/json', '{"id":1,"name":"lamp"}'],
  wrongType: [200, 'application/json', '{"id":"one","name":"lamp"}'],
  missing: [200, 'application/json', '{"id":1}'],
  notJson: [200, 'application/json', '{"id":'],
  html: [200, 'text/html', '<p>hi</p>'],
  gone: [404, 'text/plain', 'no'],
  teapot: [418, 'text/plain', 'short and stout'],
  failure: [503, 'application/json', '{"error":"busy"}'],
  badFailure: [502, 'application/json', '{"oops":1}'],
};

const yaml = (responses: string) => `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: "\${UPSTREAM}" } }
apis:
  - name: api
    spec: ./spec.yaml
    upstream: backend
    policies:
      validate: { responses: ${responses} }
`;

describe('response validation', () => {
  let upstream: TestUpstream;
  let enforce: TestGateway;
  let report: TestGateway;

  before(async () => {
    upstream = await startUpstream((req, res) => {
      const [status, type, body] = answers[(req.url ?? '').split('/').pop()!] ?? answers.good!;
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    const env = { ...process.env, UPSTREAM: upstream.url };
    enforce = await startTestGateway(yaml('enforce'), { 'spec.yaml': spec }, env);
    report = await startTestGateway(yaml('report'), { 'spec.yaml': spec }, env);
  });
  after(async () => {
    await enforce.close();
    await report.close();
    await upstream.close();
  });

  test('enforce: documented statuses and matching bodies pass byte for byte', async () => {
    for (const name of ['good', 'gone', 'failure']) {
      const res = await fetch(`${enforce.url}/items/${name}`);
      assert.equal(res.status, answers[name]![0], name);
      assert.equal(await res.text(), answers[name]![2], name);
    }
  });

  test('enforce: an undocumented status, a wrong body, invalid JSON or an undocumented media type is a 502', async () => {
    for (const name of ['wrongType', 'missing', 'notJson', 'html', 'teapot', 'badFailure']) {
      const res = await fetch(`${enforce.url}/items/${name}`);
      assert.equal(res.status, 502, name);
      const body = (await res.json()) as { code: string };
      assert.equal(body.code, 'PCL_ERR_RESPONSE_INVALID', name);
      assert.doesNotMatch(JSON.stringify(body), /lamp|one|stout/, 'the upstream body is never echoed');
    }
  });

  test('report (default mode of the option): every response reaches the client unchanged', async () => {
    for (const name of Object.keys(answers)) {
      const res = await fetch(`${report.url}/items/${name}`);
      assert.equal(res.status, answers[name]![0], name);
      assert.equal(await res.text(), answers[name]![2], name);
    }
  });
});
