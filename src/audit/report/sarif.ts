// SARIF 2.1.0 for code-scanning dashboards: one run, every enabled rule in tool.driver.rules (results
// refer to them by index), each result located at the line and column of the document.
import { createHash } from 'node:crypto';
import type { AuditResult } from '../index.ts';
import type { Finding, Severity } from '../types.ts';
import { artifactUri } from './paths.ts';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
/** GitHub code scanning reads `security-severity` (0–10) to rank security results. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };

export function renderSarif(result: AuditResult, toolVersion: string): string {
  const index = new Map(result.rules.map((r, i) => [r.rule.id, i]));
  const uri = artifactUri(result.file);
  const toResult = (f: Finding, suppressed: boolean): object => ({
    ruleId: f.rule,
    ruleIndex: index.get(f.rule),
    level: LEVEL[f.severity],
    message: { text: f.message },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri, index: 0 }, region: { startLine: f.line, startColumn: f.column } },
        logicalLocations: [{ fullyQualifiedName: f.pointer === '' ? '/' : f.pointer, kind: 'object' }],
      },
    ],
    partialFingerprints: { 'portcullisAudit/v1': createHash('sha256').update(`${f.rule}\u0000${f.pointer}`).digest('hex').slice(0, 32) },
    properties: { severity: f.severity, pointer: f.pointer, ...(f.operation ? { operation: f.operation } : {}) },
    ...(suppressed ? { suppressions: [{ kind: 'external', justification: 'accepted in the audit baseline' }] } : {}),
  });
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'portcullis-audit',
            fullName: 'Portcullis OpenAPI security audit',
            version: toolVersion,
            semanticVersion: toolVersion,
            rules: result.rules.map(({ rule, severity }) => ({
              id: rule.id,
              name: rule.id.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase()),
              shortDescription: { text: rule.title },
              fullDescription: { text: rule.why },
              help: { text: `${rule.why}\n\nFix: ${rule.fix}`, markdown: `${rule.why}\n\n**Fix:** ${rule.fix}` },
              defaultConfiguration: { level: LEVEL[severity] },
              properties: {
                tags: ['security', 'openapi', rule.category, `external/cwe/cwe-${rule.cwe}`],
                'security-severity': SECURITY_SEVERITY[severity],
                severity,
                category: rule.category,
                cwe: `CWE-${rule.cwe}`,
              },
            })),
          },
        },
        artifacts: [{ location: { uri }, sourceLanguage: /\.json$/i.test(result.file) ? 'json' : 'yaml' }],
        results: [...result.findings.map((f) => toResult(f, false)), ...result.suppressed.map((f) => toResult(f, true))],
        properties: { score: result.score, scoreWithoutBaseline: result.scoreWithoutBaseline, profile: result.profile, specVersion: result.version },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
