// The machine report: everything the text report says, as one JSON object.
import type { AuditResult } from '../index.ts';
import { displayPath } from './paths.ts';

export const REPORT_VERSION = 1;

export function renderJson(result: AuditResult, toolVersion: string): string {
  const report = {
    reportVersion: REPORT_VERSION,
    tool: { name: 'portcullis audit', version: toolVersion },
    file: displayPath(result.file),
    specVersion: result.version,
    operations: result.operations,
    profile: result.profile,
    score: result.score,
    scoreWithoutBaseline: result.scoreWithoutBaseline,
    counts: result.counts,
    deductions: result.deductions,
    findings: result.findings.map(plain),
    suppressed: result.suppressed.map(plain),
    staleBaseline: result.staleBaseline,
    rules: result.rules.map(({ rule, severity }) => ({ id: rule.id, title: rule.title, severity, category: rule.category, cwe: rule.cwe })),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}

function plain(f: AuditResult['findings'][number]): object {
  return { ...f, file: displayPath(f.file) };
}
