// Behaviour of single rules on small inline documents: what they accept as deliberate, what they report.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runAudit } from '../index.ts';
import { isCredentialName, isUrlName, secretKind } from '../names.ts';
import { pinsHost } from './ssrf.ts';

const dir = mkdtempSync(join(tmpdir(), 'pcl-audit-rules-'));
let n = 0;

async function audit(paths: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<{ rule: string; pointer: string }[]> {
  const file = join(dir, `spec${n++}.json`);
  const doc = {
    openapi: '3.0.3',
    info: { title: 't', version: '1' },
    security: [{ bearer: [] }],
    paths,
    ...extra,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'RS256, expires after 5 minutes.' } }, ...(extra.components as object | undefined) },
  };
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return (await runAudit({ spec: file })).findings.map((f) => ({ rule: f.rule, pointer: f.pointer }));
}

const rules = (findings: { rule: string }[]): string[] => findings.map((f) => f.rule);
const json = (schema: unknown): object => ({ content: { 'application/json': { schema } } });
const ok = (schema?: unknown): object => ({ 200: { description: 'ok', ...(schema ? json(schema) : {}) }, 400: { description: 'bad' } });

describe('access rules', () => {
  test('log in and health endpoints that opt out explicitly are public on purpose', async () => {
    const found = await audit({
      '/auth/login': { post: { security: [], requestBody: json({ type: 'object' }), responses: ok() } },
      '/health': { get: { security: [], responses: { 200: { description: 'up' } } } },
      '/orders': { post: { security: [], responses: ok() }, get: { responses: ok() } },
    });
    const access = found.filter((f) => f.rule.endsWith('-unprotected'));
    assert.deepEqual(access, [{ rule: 'write-unprotected', pointer: '/paths/~1orders/post/security' }]);
    assert.ok(!found.some((f) => f.rule === 'response-4xx-missing' && f.pointer.startsWith('/paths/~1health')));
  });

  test('an optional requirement ({}) is anonymous access; a document without any security too', async () => {
    assert.ok(rules(await audit({ '/a': { delete: { security: [{}, { bearer: [] }], responses: ok() } } })).includes('write-unprotected'));
    assert.ok(rules(await audit({ '/a': { get: { responses: ok() } } }, { security: undefined })).includes('read-unprotected'));
  });

  test('admin operations: open is critical, same credentials is high, an admin scope is fine', async () => {
    const found = await audit({
      '/users': { get: { responses: ok() } },
      '/admin/open': { get: { security: [], responses: ok() } },
      '/admin/same': { get: { responses: ok() } },
      '/admin/scoped': { get: { security: [{ bearer: ['admin'] }], responses: ok() } },
    });
    assert.deepEqual(found.filter((f) => f.rule.startsWith('admin-')), [
      { rule: 'admin-unprotected', pointer: '/paths/~1admin~1open/get/security' },
      { rule: 'admin-security-shared', pointer: '/paths/~1admin~1same/get' },
    ]);
  });
});

describe('schema rules', () => {
  test('tokens are fine in a login response, not in a read; booleans named like secrets are fine', async () => {
    const account = { type: 'object', properties: { accessToken: { type: 'string' }, hasPassword: { type: 'boolean' }, password: { type: 'string', writeOnly: true } } };
    const found = await audit({
      '/auth/token': { post: { security: [], responses: ok(account) } },
      '/me': { get: { responses: ok({ type: 'object', properties: { accessToken: { type: 'string' }, hasPassword: { type: 'boolean' } } }) } },
    });
    assert.deepEqual(found.filter((f) => f.rule === 'sensitive-field-in-response').map((f) => f.pointer), ['/paths/~1me/get/responses/200/content/application~1json/schema/properties/accessToken']);
  });

  test('readOnly properties are not request input: no mass assignment, no limits', async () => {
    const found = await audit({
      '/me': { patch: { requestBody: json({ type: 'object', additionalProperties: false, properties: { role: { type: 'string', readOnly: true }, name: { type: 'string', maxLength: 10, pattern: '^[a-z]+$' } } }), responses: ok() } },
    });
    assert.ok(!found.some((f) => f.pointer.includes('/role')), JSON.stringify(found));
  });

  test('admin operations may set privileged properties', async () => {
    const body = json({ type: 'object', properties: { role: { type: 'string', enum: ['a'] } } });
    const found = await audit({ '/admin/users': { post: { requestBody: body, security: [{ bearer: ['admin'] }], responses: ok() } } });
    assert.ok(!rules(found).includes('mass-assignment-privileged'));
  });

  test('a URL field is allow-listed by an enum or a host-pinning pattern, not by a scheme-only pattern', async () => {
    const found = await audit({
      '/hooks': {
        post: {
          requestBody: json({
            type: 'object',
            properties: {
              callbackUrl: { type: 'string', maxLength: 100, pattern: '^https://hooks\\.example\\.com/' },
              returnTo: { type: 'string', maxLength: 100, enum: ['/home'] },
              imageUrl: { type: 'string', maxLength: 100, pattern: '^https://' },
            },
          }),
          responses: ok(),
        },
      },
    });
    assert.deepEqual(found.filter((f) => f.rule === 'url-parameter').map((f) => f.pointer.split('/').at(-1)), ['imageUrl']);
  });

  test('anchored patterns with a finite length bound a string', async () => {
    const found = await audit({ '/x/{code}': { get: { parameters: [{ name: 'code', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Z]{3}$' } }], responses: ok() } } });
    assert.ok(!rules(found).includes('string-unbounded'));
  });

  test('a paginated list is bounded by a limit parameter with a maximum', async () => {
    const list = { type: 'array', items: { type: 'string', maxLength: 5 } };
    const limit = (max?: number): object => ({ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, ...(max ? { maximum: max } : {}) } });
    assert.ok(!rules(await audit({ '/a': { get: { parameters: [limit(50)], responses: ok(list) } } })).includes('list-unbounded'));
    assert.ok(rules(await audit({ '/a': { get: { parameters: [limit()], responses: ok(list) } } })).includes('list-unbounded'));
  });
});

describe('document rules', () => {
  test('OpenAPI 3 parameters in: body / formData (Swagger 2.0 locations) are reported, once per definition', async () => {
    const body = { name: 'body', in: 'body', schema: { type: 'object', properties: { isAdmin: { type: 'boolean' } } } };
    const found = await audit(
      {
        '/a': { post: { parameters: [body, { name: 'q', in: 'query', schema: { type: 'string', maxLength: 5, pattern: '^[a-z]+$' } }], responses: ok() } },
        '/b': { post: { parameters: [{ $ref: '#/components/parameters/Form' }], responses: ok() }, put: { parameters: [{ $ref: '#/components/parameters/Form' }], responses: ok() } },
      },
      { components: { parameters: { Form: { name: 'file', in: 'formData', schema: { type: 'string' } } } } },
    );
    assert.deepEqual(found.filter((f) => f.rule === 'parameter-in-invalid').map((f) => f.pointer).sort(), ['/components/parameters/Form/in', '/paths/~1a/post/parameters/0/in']);
  });

  test('Swagger 2.0: body and formData are fine, cookie is not', async () => {
    const file = join(dir, `spec${n++}.json`);
    writeFileSync(file, JSON.stringify({
      swagger: '2.0',
      info: { title: 't', version: '1' },
      paths: { '/a': { post: { parameters: [{ name: 'b', in: 'body', schema: { type: 'object' } }, { name: 'f', in: 'formData', type: 'string' }, { name: 'sid', in: 'cookie', type: 'string' }], responses: { 200: { description: 'ok' } } } } },
    }));
    const found = (await runAudit({ spec: file })).findings.filter((f) => f.rule === 'parameter-in-invalid');
    assert.deepEqual(found.map((f) => f.pointer), ['/paths/~1a/post/parameters/2/in']);
    assert.match(found[0]!.message, /`in: cookie` \(Swagger 2\.0 allows path, query, header, formData, body\)/);
  });

  test('OAuth 2 and OpenID Connect endpoints over plain HTTP are reported; https and loopback are fine', async () => {
    const flows = {
      authorizationCode: { authorizationUrl: 'http://idp.example.com/authorize', tokenUrl: 'https://idp.example.com/token', refreshUrl: 'http://idp.example.com/refresh', scopes: {} },
      clientCredentials: { tokenUrl: 'http://idp.example.com/token', scopes: {} },
      password: { tokenUrl: 'http://localhost:8080/token', refreshUrl: 'http://127.0.0.1/refresh', scopes: {} },
    };
    const found = await audit({ '/a': { get: { responses: ok() } } }, {
      components: { securitySchemes: { oauth: { type: 'oauth2', flows }, oidc: { type: 'openIdConnect', openIdConnectUrl: 'http://idp.example.com/.well-known/openid-configuration' }, safe: { type: 'openIdConnect', openIdConnectUrl: 'https://idp.example.com/.well-known/openid-configuration' } } },
    });
    assert.deepEqual(found.filter((f) => f.rule === 'auth-url-http').map((f) => f.pointer).sort(), [
      '/components/securitySchemes/oauth/flows/authorizationCode/authorizationUrl',
      '/components/securitySchemes/oauth/flows/authorizationCode/refreshUrl',
      '/components/securitySchemes/oauth/flows/clientCredentials/tokenUrl',
      '/components/securitySchemes/oidc/openIdConnectUrl',
    ]);

    const file = join(dir, `spec${n++}.json`);
    writeFileSync(file, JSON.stringify({
      swagger: '2.0',
      info: { title: 't', version: '1' },
      schemes: ['https'],
      securityDefinitions: { oauth: { type: 'oauth2', flow: 'accessCode', authorizationUrl: 'https://idp.example.com/authorize', tokenUrl: 'http://idp.example.com/token', scopes: {} } },
      paths: { '/a': { get: { responses: { 200: { description: 'ok' } } } } },
    }));
    const swagger = (await runAudit({ spec: file })).findings.filter((f) => f.rule === 'auth-url-http');
    assert.deepEqual(swagger.map((f) => [f.pointer, f.severity]), [['/securityDefinitions/oauth/tokenUrl', 'high']]);
  });
});

describe('names', () => {
  test('credentials, secrets and URLs', () => {
    for (const name of ['access_token', 'apiKey', 'api-key', 'client_secret', 'password', 'sessionId', 'jwt']) assert.ok(isCredentialName(name), name);
    for (const name of ['pageToken', 'next_token', 'cursor', 'author', 'keyword']) assert.ok(!isCredentialName(name), name);
    assert.equal(secretKind('passwordHash'), 'always');
    assert.equal(secretKind('card_number'), 'always');
    assert.equal(secretKind('refreshToken'), 'issued');
    assert.equal(secretKind('tokenType'), undefined);
    assert.equal(secretKind('username'), undefined);
    for (const name of ['url', 'avatarUrl', 'redirect_uri', 'callback', 'webhookUrl', 'returnTo', 'next']) assert.ok(isUrlName(name), name);
    for (const name of ['urgency', 'curl_version', 'name']) assert.ok(!isUrlName(name), name);
  });

  test('host-pinning patterns', () => {
    assert.ok(pinsHost('^https://(images|cdn)\\.example\\.com/'));
    assert.ok(pinsHost('^/[a-z/]*$'));
    assert.ok(!pinsHost('^https://'));
    assert.ok(!pinsHost('^https?://.*$'));
    assert.ok(!pinsHost('^//evil'));
  });
});
