import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseBaseline } from '../baseline.ts';
import { runAudit } from '../index.ts';
import { renderJson } from './json.ts';
import { renderSarif, SARIF_SCHEMA } from './sarif.ts';
import { renderText, TEXT_LOCATIONS_PER_RULE } from './text.ts';

const bad = fileURLToPath(new URL('../../../test/fixtures/audit/bad-3.0.yaml', import.meta.url));

describe('SARIF 2.1.0', () => {
  test('structure: version, $schema, rules referenced by index, located results', async () => {
    const result = await runAudit({ spec: bad });
    const log = JSON.parse(renderSarif(result, '1.2.3'));
    assert.equal(log.version, '2.1.0');
    assert.equal(log.$schema, SARIF_SCHEMA);
    assert.equal(log.runs.length, 1);
    const run = log.runs[0];
    const rules: any[] = run.tool.driver.rules;
    assert.equal(run.tool.driver.name, 'portcullis-audit');
    assert.equal(run.tool.driver.version, '1.2.3');
    assert.equal(rules.length, result.rules.length);
    assert.equal(new Set(rules.map((r) => r.id)).size, rules.length);
    for (const rule of rules) {
      assert.ok(rule.shortDescription.text && rule.fullDescription.text && rule.help.text);
      assert.ok(['error', 'warning', 'note'].includes(rule.defaultConfiguration.level));
      assert.match(rule.properties['security-severity'], /^\d+\.\d$/);
      assert.ok(rule.properties.tags.some((t: string) => /^external\/cwe\/cwe-\d+$/.test(t)));
    }
    assert.equal(run.results.length, result.findings.length);
    const lines = readFileSync(bad, 'utf8').split('\n');
    for (const r of run.results) {
      assert.equal(rules[r.ruleIndex].id, r.ruleId, 'ruleIndex points at the rule');
      assert.ok(['error', 'warning', 'note'].includes(r.level));
      assert.ok(r.message.text.length > 0);
      const location = r.locations[0].physicalLocation;
      assert.equal(location.artifactLocation.uri, run.artifacts[location.artifactLocation.index].location.uri);
      assert.ok(Number.isInteger(location.region.startLine) && location.region.startLine >= 1 && location.region.startLine <= lines.length);
      assert.ok(Number.isInteger(location.region.startColumn) && location.region.startColumn >= 1);
      assert.match(Object.values(r.partialFingerprints)[0] as string, /^[0-9a-f]{32}$/);
    }
    const basic = run.results.find((r: any) => r.ruleId === 'http-basic');
    assert.match(lines[basic.locations[0].physicalLocation.region.startLine - 1]!, /basicAuth:/);
    assert.equal(basic.level, 'error');
    assert.match(run.artifacts[0].location.uri, /^test\/fixtures\/audit\/bad-3\.0\.yaml$/);
  });

  test('baselined findings are results with an external suppression', async () => {
    const result = await runAudit({ spec: bad, baseline: parseBaseline({ findings: [{ rule: 'http-basic', pointer: '/components/securitySchemes/basicAuth' }] }) });
    const run = JSON.parse(renderSarif(result, '0.0.0')).runs[0];
    const suppressed = run.results.filter((r: any) => r.suppressions);
    assert.equal(suppressed.length, 1);
    assert.equal(suppressed[0].ruleId, 'http-basic');
    assert.equal(suppressed[0].suppressions[0].kind, 'external');
  });
});

describe('text and JSON', () => {
  test('text groups by severity then rule, with file:line:column, fix and score', async () => {
    const result = await runAudit({ spec: bad });
    const text = renderText(result);
    const order = ['HIGH (', 'MEDIUM (', 'LOW (', 'INFO ('].map((h) => text.indexOf(h));
    assert.ok(order.every((i) => i > 0));
    assert.deepEqual([...order].sort((a, b) => a - b), order);
    assert.match(text, /http-basic: HTTP Basic authentication \[API2:2023, CWE-522\]/);
    assert.match(text, /test\/fixtures\/audit\/bad-3\.0\.yaml:\d+:\d+ {2}Security scheme "basicAuth" uses HTTP Basic/);
    assert.match(text, /fix: /);
    assert.match(text, new RegExp(`Score: ${result.score}/100`));
  });

  test('text lists at most a few locations per rule unless verbose', async () => {
    const result = await runAudit({ spec: bad });
    const many = { ...result, findings: Array.from({ length: TEXT_LOCATIONS_PER_RULE + 5 }, (_, i) => ({ ...result.findings[0]!, line: i + 1 })) };
    assert.match(renderText(many), /\.\.\. and 5 more/);
    assert.doesNotMatch(renderText(many, { verbose: true }), /more \(--verbose/);
  });

  test('JSON carries score, counts, findings with pointers and the enabled rules', async () => {
    const result = await runAudit({ spec: bad, profile: 'pragmatic' });
    const report = JSON.parse(renderJson(result, '9.9.9'));
    assert.equal(report.score, result.score);
    assert.equal(report.profile, 'pragmatic');
    assert.equal(report.specVersion, '3.0');
    assert.equal(report.findings.length, result.findings.length);
    assert.equal(report.file, 'test/fixtures/audit/bad-3.0.yaml');
    const f = report.findings[0];
    for (const key of ['rule', 'severity', 'category', 'cwe', 'message', 'pointer', 'line', 'column']) assert.ok(key in f, key);
    assert.ok(!report.rules.some((r: { id: string }) => r.id === 'string-unrestricted'));
  });
});
