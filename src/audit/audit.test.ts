import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { baselineDocument, parseBaseline } from './baseline.ts';
import { activeRules, AuditUsageError, failures, runAudit, type AuditResult } from './index.ts';
import { RULES } from './rules/index.ts';
import { computeScore } from './score.ts';
import { OWASP_CATEGORIES, SEVERITIES, type Finding } from './types.ts';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/audit/', import.meta.url));
const fixture = (name: string): string => join(FIXTURES, name);

function has(result: AuditResult, rule: string, pointer: string): boolean {
  return result.findings.some((f) => f.rule === rule && f.pointer === pointer);
}

function assertFindings(result: AuditResult, expected: [string, string][]): void {
  const missing = expected.filter(([rule, pointer]) => !has(result, rule, pointer));
  assert.deepEqual(missing, [], `missing findings; got:\n${result.findings.map((f) => `${f.rule} ${f.pointer}`).join('\n')}`);
}

const BAD: Record<string, [string, string][]> = {
  'bad-3.0.yaml': [
    ['server-http', '/servers/0/url'],
    ['server-environment-undeclared', '/servers/0'],
    ['server-audience-undeclared', '/servers/0'],
    ['credentials-in-url', '/paths/~1users/get/parameters/0'],
    ['read-unprotected', '/paths/~1users/get/security'],
    ['write-unprotected', '/paths/~1users/post/security'],
    ['list-unbounded', '/paths/~1users/get/responses/200/content/application~1json/schema'],
    ['integer-unbounded', '/paths/~1users/get/parameters/1/schema'],
    ['integer-format-missing', '/paths/~1users/get/parameters/1/schema'],
    ['numeric-id-in-path', '/paths/~1users~1{id}/get/parameters/0'],
    ['cors-wildcard-credentials', '/paths/~1users~1{id}/get/responses/200/headers/Access-Control-Allow-Origin'],
    ['response-401-missing', '/paths/~1users~1{id}/get/responses/401'],
    ['rate-limit-retry-after-missing', '/paths/~1users~1{id}/get/responses/429'],
    ['security-scheme-undefined', '/paths/~1webhooks/post/security/0/ghostScheme'],
    ['url-parameter', '/paths/~1webhooks/post/parameters/0'],
    ['url-parameter', '/paths/~1webhooks/post/requestBody/content/application~1json/schema/properties/target'],
    ['uri-without-allowlist', '/paths/~1webhooks/post/requestBody/content/application~1json/schema/properties/icon'],
    ['additional-properties-unbounded', '/paths/~1webhooks/post/requestBody/content/application~1json/schema/additionalProperties'],
    ['pattern-redos', '/paths/~1webhooks/post/requestBody/content/application~1json/schema/properties/slug/pattern'],
    ['pattern-invalid', '/paths/~1webhooks/post/requestBody/content/application~1json/schema/properties/code/pattern'],
    ['array-unbounded', '/paths/~1webhooks/post/requestBody/content/application~1json/schema/properties/events'],
    ['admin-security-shared', '/paths/~1admin~1users~1{id}/delete/security'],
    ['deprecated-without-sunset', '/paths/~1legacy~1orders/get/deprecated'],
    ['http-basic', '/components/securitySchemes/basicAuth'],
    ['insecure-auth-scheme', '/components/securitySchemes/digestAuth/scheme'],
    ['api-key-in-url', '/components/securitySchemes/apiKeyQuery/in'],
    ['jwt-best-practices', '/components/securitySchemes/bearerJwt'],
    ['short-lived-tokens', '/components/securitySchemes/bearerJwt'],
    ['short-lived-tokens', '/components/securitySchemes/oauth/flows/password'],
    ['oauth2-deprecated-flow', '/components/securitySchemes/oauth/flows/implicit'],
    ['oauth2-deprecated-flow', '/components/securitySchemes/oauth/flows/password'],
    ['auth-url-http', '/components/securitySchemes/oauth/flows/password/tokenUrl'],
    ['additional-properties-implicit', '/components/schemas/UserInput'],
    ['mass-assignment-server-fields', '/components/schemas/UserInput/properties/id'],
    ['string-unbounded', '/components/schemas/UserInput/properties/name'],
    ['string-unrestricted', '/components/schemas/UserInput/properties/name'],
    ['mass-assignment-privileged', '/components/schemas/UserInput/properties/role'],
    ['mass-assignment-privileged', '/components/schemas/UserInput/properties/isAdmin'],
    ['mass-assignment-privileged', '/components/schemas/UserInput/properties/balance'],
    ['readonly-writeonly-conflict', '/components/schemas/UserInput/properties/nickname'],
    ['sensitive-field-in-response', '/components/schemas/User/properties/password'],
    ['sensitive-field-in-response', '/components/schemas/User/properties/passwordHash'],
    ['sensitive-field-in-response', '/components/schemas/User/properties/ssn'],
    ['sensitive-field-in-response', '/components/schemas/User/properties/cardNumber'],
    ['sensitive-field-in-response', '/components/schemas/User/properties/apiKey'],
    ['rate-limit-response-missing', '/paths/~1users/get/responses'],
    ['rate-limit-headers-missing', '/paths/~1users/get/responses/200'],
    ['response-4xx-missing', '/paths/~1users/get/responses'],
    ['response-500-missing', '/paths/~1users/get/responses'],
    ['response-validation-missing', '/paths/~1users~1{id}/get/responses'],
  ],
  'bad-3.1.yaml': [
    ['admin-unprotected', '/paths/~1internal~1export/get/security'],
    ['server-http', '/servers/0/url'],
    ['credentials-in-url', '/paths/~1files~1{fileId}~1share~1{password}/post/parameters/1'],
    ['numeric-id-in-path', '/paths/~1files~1{fileId}~1share~1{password}/post/parameters/0'],
    ['url-parameter', '/paths/~1files~1{fileId}~1share~1{password}/post/parameters/2'],
    ['parameter-in-invalid', '/paths/~1files~1{fileId}~1share~1{password}/post/parameters/3/in'],
    ['mass-assignment-privileged', '/components/schemas/FileInput/properties/ownerId'],
    ['pattern-redos', '/components/schemas/FileInput/properties/checksum/pattern'],
    ['sensitive-field-in-response', '/components/schemas/File/properties/privateKey'],
    ['jwt-best-practices', '/components/securitySchemes/oidc'],
    ['jwt-best-practices', '/components/securitySchemes/oauth'],
    ['short-lived-tokens', '/components/securitySchemes/oauth/flows/authorizationCode'],
    ['additional-properties-unbounded', '/components/schemas/FileInput/unevaluatedProperties'],
    ['string-unbounded', '/components/schemas/FileInput/properties/name'],
    ['array-unbounded', '/components/schemas/FileInput/properties/tags'],
    ['integer-unbounded', '/components/schemas/FileInput/properties/size'],
    ['uri-without-allowlist', '/components/schemas/Link'],
    ['list-unbounded', '/components/schemas/FilePage/properties/data'],
    ['cors-undefined', '/paths'],
    ['rate-limit-retry-after-missing', '/components/responses/Problem'],
  ],
  'bad-2.0.json': [
    ['server-http', '/schemes/0'],
    ['http-basic', '/securityDefinitions/basic'],
    ['api-key-in-url', '/securityDefinitions/key/in'],
    ['oauth2-deprecated-flow', '/securityDefinitions/legacyOauth/flow'],
    ['credentials-in-url', '/paths/~1payments/get/parameters/1'],
    ['write-unprotected', '/paths/~1payments/post/security'],
    ['list-unbounded', '/paths/~1payments/get/responses/200/schema'],
    ['numeric-id-in-path', '/paths/~1payments~1{paymentId}/parameters/0'],
    ['url-parameter', '/paths/~1import/post/parameters/0'],
    ['array-unbounded', '/paths/~1import/post/parameters/2'],
    ['string-unbounded', '/paths/~1import/post/parameters/1'],
    ['mass-assignment-privileged', '/definitions/PaymentInput/properties/credits'],
    ['pattern-redos', '/definitions/PaymentInput/properties/email/pattern'],
    ['sensitive-field-in-response', '/definitions/Payment/properties/cardNumber'],
    ['sensitive-field-in-response', '/definitions/Payment/properties/cvv'],
    ['additional-properties-implicit', '/definitions/PaymentInput'],
    ['response-401-missing', '/paths/~1payments/get/responses'],
  ],
};

const GOOD = ['good-3.0.yaml', 'good-3.1.yaml', 'good-2.0.yaml'];

describe('deliberately bad documents', () => {
  for (const [name, expected] of Object.entries(BAD)) {
    test(`${name}: the expected findings, a failing score`, async () => {
      const result = await runAudit({ spec: fixture(name) });
      assertFindings(result, expected);
      assert.ok(result.score < 50, `score ${result.score}`);
      assert.ok(result.counts.high > 0);
    });
  }

  test('together they exercise every rule', async () => {
    const fired = new Set<string>();
    for (const name of Object.keys(BAD)) for (const f of (await runAudit({ spec: fixture(name) })).findings) fired.add(f.rule);
    assert.deepEqual(RULES.map((r) => r.id).filter((id) => !fired.has(id)), []);
  });

  test('findings point at the line and column of the offending node', async () => {
    const result = await runAudit({ spec: fixture('bad-3.0.yaml') });
    const lines = readFileSync(fixture('bad-3.0.yaml'), 'utf8').split('\n');
    const at = (f: Finding | undefined): string => lines[f!.line - 1]!.slice(f!.column - 1);
    assert.match(at(result.findings.find((f) => f.rule === 'http-basic')), /^basicAuth:/);
    assert.match(at(result.findings.find((f) => f.rule === 'server-http')), /^url: http:/);
    assert.match(at(result.findings.find((f) => f.rule === 'mass-assignment-privileged')), /^role:/);
    assert.match(at(result.findings.find((f) => f.rule === 'pattern-redos')), /^pattern:/);
    const json = await runAudit({ spec: fixture('bad-2.0.json') });
    const jsonLines = readFileSync(fixture('bad-2.0.json'), 'utf8').split('\n');
    const cvv = json.findings.find((f) => f.pointer === '/definitions/Payment/properties/cvv')!;
    assert.match(jsonLines[cvv.line - 1]!.slice(cvv.column - 1), /^"cvv"/);
  });

  test('operation labels and OWASP / CWE metadata travel with each finding', async () => {
    const result = await runAudit({ spec: fixture('bad-3.0.yaml') });
    const f = result.findings.find((x) => x.rule === 'write-unprotected')!;
    assert.equal(f.operation, 'POST /users');
    assert.equal(f.category, 'API2:2023');
    assert.equal(f.cwe, 306);
    assert.equal(f.severity, 'high');
  });
});

describe('good documents', () => {
  for (const name of GOOD) {
    for (const profile of ['strict', 'pragmatic'] as const) {
      test(`${name} (${profile}): score of 90 or more, no high or critical finding`, async () => {
        const result = await runAudit({ spec: fixture(name), profile });
        assert.ok(result.score >= 90, `score ${result.score}: ${result.findings.map((f) => f.rule).join(', ')}`);
        assert.equal(result.counts.high + result.counts.critical, 0);
      });
    }
  }
});

describe('rules', () => {
  test('every rule has a unique slug id, a severity, an OWASP 2023 category, a CWE, a why and a fix', () => {
    const ids = new Set<string>();
    for (const rule of RULES) {
      assert.match(rule.id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.ok(!ids.has(rule.id), `duplicate ${rule.id}`);
      ids.add(rule.id);
      assert.ok(SEVERITIES.includes(rule.severity), rule.id);
      assert.ok(rule.category in OWASP_CATEGORIES, rule.id);
      assert.ok(Number.isInteger(rule.cwe) && rule.cwe > 0, rule.id);
      for (const text of [rule.title, rule.why, rule.fix]) assert.ok(text.length > 10, rule.id);
      assert.match(rule.why, /[.)]$/, rule.id);
      assert.match(rule.fix, /[.)]$/, rule.id);
    }
  });
});

describe('profiles, --enable and --disable', () => {
  test('pragmatic turns noisy rules off and lowers others', async () => {
    const strict = await runAudit({ spec: fixture('bad-3.0.yaml'), profile: 'strict' });
    const pragmatic = await runAudit({ spec: fixture('bad-3.0.yaml'), profile: 'pragmatic' });
    assert.ok(strict.findings.some((f) => f.rule === 'string-unrestricted'));
    assert.ok(!pragmatic.findings.some((f) => f.rule === 'string-unrestricted'));
    assert.equal(pragmatic.findings.find((f) => f.rule === 'read-unprotected')?.severity, 'low');
    assert.ok(pragmatic.findings.length < strict.findings.length);
  });

  test('--enable brings back a rule the profile turned off; --disable removes one and wins', () => {
    const ids = (rules: ReturnType<typeof activeRules>): string[] => rules.map((r) => r.rule.id);
    assert.ok(!ids(activeRules({ profile: 'pragmatic' })).includes('cors-undefined'));
    assert.ok(ids(activeRules({ profile: 'pragmatic', enable: ['cors-undefined'] })).includes('cors-undefined'));
    assert.ok(!ids(activeRules({ disable: ['http-basic'] })).includes('http-basic'));
    assert.ok(!ids(activeRules({ enable: ['http-basic'], disable: ['http-basic'] })).includes('http-basic'));
    assert.equal(activeRules({}).length, RULES.length);
  });

  test('unknown rule ids are refused with a suggestion', () => {
    assert.throws(
      () => activeRules({ disable: ['http-basik'] }),
      (error: unknown) => error instanceof AuditUsageError && error.code === 'PCL_AUDIT_UNKNOWN_RULE' && /did you mean "http-basic"/.test(error.message),
    );
  });
});

describe('baseline', () => {
  test('accepted findings leave the score and the failure checks, and stay visible', async () => {
    const before = await runAudit({ spec: fixture('bad-3.0.yaml') });
    const baseline = parseBaseline(JSON.parse(JSON.stringify(baselineDocument(before.findings, 'bad-3.0.yaml'))));
    const after = await runAudit({ spec: fixture('bad-3.0.yaml'), baseline });
    assert.equal(after.findings.length, 0);
    assert.equal(after.suppressed.length, before.findings.length);
    assert.equal(after.score, 100);
    assert.equal(after.scoreWithoutBaseline, before.score);
    assert.deepEqual(failures(after, { failUnder: 90, failOn: 'info' }), []);
  });

  test('only matching rule + pointer pairs are accepted; entries that match nothing are listed', async () => {
    const baseline = parseBaseline({
      findings: [
        { rule: 'http-basic', pointer: '/components/securitySchemes/basicAuth' },
        { rule: 'http-basic', pointer: '/components/securitySchemes/elsewhere' },
      ],
    });
    const result = await runAudit({ spec: fixture('bad-3.0.yaml'), baseline });
    assert.ok(!result.findings.some((f) => f.rule === 'http-basic'));
    assert.equal(result.suppressed.length, 1);
    assert.deepEqual(result.staleBaseline, [{ rule: 'http-basic', pointer: '/components/securitySchemes/elsewhere' }]);
  });

  test('a malformed baseline is a usage error', () => {
    assert.throws(() => parseBaseline({ findings: [{ rule: 'x' }] }), (e: unknown) => e instanceof AuditUsageError && e.code === 'PCL_AUDIT_BAD_BASELINE');
    assert.throws(() => parseBaseline([]), AuditUsageError);
  });
});

describe('score', () => {
  const finding = (rule: string, severity: Finding['severity']): Finding => ({ rule, severity, category: 'API4:2023', cwe: 770, message: '', pointer: '', file: 'x', line: 1, column: 1 });

  test('points per finding by severity, capped per rule, info free', () => {
    assert.equal(computeScore([]).score, 100);
    assert.equal(computeScore([finding('a', 'high')]).score, 90);
    assert.equal(computeScore(Array.from({ length: 1000 }, () => finding('a', 'medium'))).score, 92);
    assert.equal(computeScore([finding('a', 'critical'), finding('a', 'critical'), finding('a', 'critical')]).score, 50);
    assert.equal(computeScore(Array.from({ length: 50 }, () => finding('i', 'info'))).score, 100);
    assert.equal(computeScore([finding('a', 'critical'), finding('a', 'critical'), finding('b', 'critical'), finding('b', 'critical')]).score, 0);
  });

  test('--fail-under and --fail-on', async () => {
    const result = await runAudit({ spec: fixture('bad-3.1.yaml') });
    assert.equal(failures(result, {}).length, 0);
    assert.equal(failures(result, { failUnder: 0 }).length, 0);
    assert.equal(failures(result, { failUnder: 100 }).length, 1);
    assert.equal(failures(result, { failOn: 'critical' }).length, 1);
    const good = await runAudit({ spec: fixture('good-3.0.yaml') });
    assert.deepEqual(failures(good, { failUnder: 90, failOn: 'info' }), []);
  });
});

describe('documents in several files, recursive schemas', () => {
  test('findings in external files point at the $ref that brings them in; cycles terminate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcl-audit-'));
    writeFileSync(
      join(dir, 'schemas.yaml'),
      ['Node:', '  type: object', '  properties:', '    role: { type: string }', '    children:', '      type: array', '      items: { $ref: "#/Node" }', ''].join('\n'),
    );
    writeFileSync(
      join(dir, 'api.yaml'),
      [
        'openapi: 3.0.3',
        'info: { title: t, version: "1" }',
        'paths:',
        '  /nodes:',
        '    post:',
        '      requestBody:',
        '        content:',
        '          application/json:',
        '            schema: { $ref: "./schemas.yaml#/Node" }',
        '      responses:',
        '        "201": { description: ok }',
        '',
      ].join('\n'),
    );
    const result = await runAudit({ spec: join(dir, 'api.yaml') });
    const role = result.findings.find((f) => f.rule === 'mass-assignment-privileged');
    assert.ok(role, 'role in a request body from another file');
    assert.equal(role.line, 9);
    assert.ok(result.findings.some((f) => f.rule === 'array-unbounded'));
  });
});
