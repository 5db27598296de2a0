// Operations are told apart by operationId: two with one id would share one plan (security,
// policies, rules), and the public one's plan served the protected one. Such a document is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestGateway } from './helpers/gateway.ts';

const spec = `openapi: 3.0.3
info: { title: t, version: '1' }
security: [{ bearer: [] }]
paths:
  /admin/users:
    get: { operationId: listThings, responses: { '200': { description: ok } } }
  /health:
    get: { operationId: listThings, security: [], responses: { '200': { description: ok } } }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
`;

test('a document giving two operations one operationId is refused at load, naming both', async () => {
  const yaml = `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: http://127.0.0.1:9 } }
apis:
  - name: api
    spec: spec.yaml
    upstream: backend
`;
  let error: unknown;
  try {
    await (await startTestGateway(yaml, { 'spec.yaml': spec })).close();
  } catch (thrown) {
    error = thrown;
  }
  assert.match(String((error as Error | undefined)?.message), /operationId "listThings" is used by two operations \(GET \/admin\/users and GET \/health\)/);
});
