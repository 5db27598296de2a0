// The machine report: the whole result as one JSON object.
import { displayPath } from '../../audit/report/paths.ts';
import { countsByCategory, countsBySeverity } from './summary.ts';
import type { ScanResult } from '../types.ts';

export const REPORT_VERSION = 1;

export function renderJson(result: ScanResult, toolVersion: string): string {
  const report = {
    reportVersion: REPORT_VERSION,
    tool: { name: 'portcullis scan', version: toolVersion },
    target: result.target,
    spec: displayPath(result.spec),
    startedAt: result.startedAt,
    durationMs: result.durationMs,
    requests: result.requests,
    budget: result.budget,
    timeouts: result.timeouts ?? 0,
    ...(result.rateLimited ? { rateLimited: result.rateLimited } : {}),
    identities: result.identities,
    counts: countsBySeverity(result.findings),
    categories: Object.fromEntries(countsByCategory(result.findings)),
    findings: result.findings,
    ...(result.baseline ? { baseline: { suppressed: result.baseline.suppressed, gone: result.baseline.gone } } : {}),
    checks: result.checks,
    errors: result.errors,
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
