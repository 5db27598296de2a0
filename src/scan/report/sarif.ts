// SARIF 2.1.0 for code-scanning dashboards: one run, every check as a rule (results refer to them by
// index); a finding is located at the operation (a logical location) and, when the document is a local
// file, at the document itself.
import { createHash } from 'node:crypto';
import { artifactUri } from '../../audit/report/paths.ts';
import { SARIF_SCHEMA } from '../../audit/report/sarif.ts';
import type { Finding, ScanResult, Severity } from '../types.ts';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };

export function renderSarif(result: ScanResult, toolVersion: string): string {
  const index = new Map(result.infos.map((r, i) => [r.id, i]));
  const uri = /^https?:\/\//i.test(result.spec) ? result.spec : artifactUri(result.spec);
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'portcullis-scan',
            fullName: 'Portcullis active API security scanner',
            version: toolVersion,
            semanticVersion: toolVersion,
            rules: result.infos.map((rule) => ({
              id: rule.id,
              name: rule.id.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase()),
              shortDescription: { text: rule.title },
              fullDescription: { text: rule.why },
              help: { text: `${rule.why}\n\nFix: ${rule.fix}`, markdown: `${rule.why}\n\n**Fix:** ${rule.fix}` },
              defaultConfiguration: { level: LEVEL[rule.severity] },
              properties: { tags: ['security', 'api', rule.category, `external/cwe/cwe-${rule.cwe}`], 'security-severity': SECURITY_SEVERITY[rule.severity], severity: rule.severity, category: rule.category, cwe: `CWE-${rule.cwe}` },
            })),
          },
        },
        artifacts: [{ location: { uri } }],
        invocations: [{ executionSuccessful: result.errors.length === 0, ...(result.errors.length ? { toolExecutionNotifications: result.errors.map((text) => ({ level: 'error', message: { text } })) } : {}) }],
        results: [
          ...result.findings.map((f) => sarifResult(f, index, uri, result.baseline ? { baselineState: 'new' } : {})),
          // Accepted findings stay visible, marked as suppressed (SARIF §3.27.23, §3.35).
          ...(result.baseline?.suppressed ?? []).map((f) =>
            sarifResult(f, index, uri, { baselineState: 'unchanged', suppressions: [{ kind: 'external', justification: 'accepted in the scan baseline' }] }),
          ),
        ],
        properties: { target: result.target, requests: result.requests, durationMs: result.durationMs },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function sarifResult(f: Finding, index: ReadonlyMap<string, number>, uri: string, extra: object): object {
  return {
    ruleId: f.check,
    ruleIndex: index.get(f.check),
    level: LEVEL[f.severity],
    message: { text: `${f.message}\n\nReproduce: ${f.curl}` },
    locations: [{ physicalLocation: { artifactLocation: { uri, index: 0 } }, logicalLocations: [{ fullyQualifiedName: f.operation, kind: 'function' }] }],
    partialFingerprints: { 'portcullisScan/v1': createHash('sha256').update(`${f.check}\u0000${f.operation}`).digest('hex').slice(0, 32) },
    ...extra,
    properties: { severity: f.severity, 'security-severity': SECURITY_SEVERITY[f.severity], confidence: f.confidence, category: f.category, operation: f.operation, evidence: f.evidence },
  };
}
