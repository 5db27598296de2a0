// SARIF 2.1.0 for code-scanning dashboards: one run, every check as a rule (results refer to them by
// index); a finding is located at the operation (a logical location) and, when the document is a local
// file, at the document itself.
import { createHash } from 'node:crypto';
import { artifactUri } from '../../audit/report/paths.ts';
import { SARIF_SCHEMA } from '../../audit/report/sarif.ts';
import { testedNothing, type Finding, type ScanResult, type Severity } from '../types.ts';

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
        invocations: [{ executionSuccessful: result.errors.length === 0, ...notifications(result, index) }],
        results: [
          ...result.findings.map((f) => sarifResult(f, index, uri, result.baseline ? { baselineState: 'new' } : {})),
          // Accepted findings stay visible, marked as suppressed (SARIF §3.27.23, §3.35).
          ...(result.baseline?.suppressed ?? []).map((f) =>
            sarifResult(f, index, uri, { baselineState: 'unchanged', suppressions: [{ kind: 'external', justification: 'accepted in the scan baseline' }] }),
          ),
        ],
        properties: { target: result.target, requests: result.requests, timeouts: result.timeouts ?? 0, durationMs: result.durationMs },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/**
 * Tool notifications (SARIF §3.20.21): why the scan stopped (errors), each check that ran but tested
 * nothing (a warning: its clean result proves nothing), each one that failed or was skipped.
 */
function notifications(result: ScanResult, index: ReadonlyMap<string, number>): { toolExecutionNotifications?: object[] } {
  const out: object[] = result.errors.map((text) => ({ level: 'error', message: { text } }));
  for (const c of result.checks) {
    const rule = { associatedRule: { id: c.check, index: index.get(c.check) } };
    if (testedNothing(c)) out.push({ level: 'warning', message: { text: `${c.check} ran, nothing tested: ${c.reason ?? 'no operation fits it'}` }, ...rule });
    else if (c.status === 'error') out.push({ level: 'error', message: { text: `${c.check} failed: ${c.reason ?? 'error'}` }, ...rule });
    else if (c.status === 'skipped') out.push({ level: 'note', message: { text: `${c.check} not run: ${c.reason ?? 'nothing to test'}` }, ...rule });
  }
  if (result.timeouts) out.push({ level: 'warning', message: { text: `${result.timeouts} request(s) got no answer within the time limit` } });
  if (result.rateLimited) out.push({ level: 'note', message: { text: `${result.rateLimited.retries} answer(s) were 429: waited ${result.rateLimited.waitedSeconds} s and sent again` } });
  return out.length > 0 ? { toolExecutionNotifications: out } : {};
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
