// What every report shows: counts per severity and per OWASP category, findings ordered by severity.
import { SEVERITIES, severityRank, type Finding, type ScanResult, type Severity } from '../types.ts';

export function countsBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) counts[f.severity]++;
  return counts;
}

export function countsByCategory(findings: readonly Finding[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.category, (counts.get(f.category) ?? 0) + 1);
  return new Map([...counts].sort(([a], [b]) => Number(a.slice(3).split(':')[0]) - Number(b.slice(3).split(':')[0])));
}

export function ordered(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.check.localeCompare(b.check) || a.operation.localeCompare(b.operation));
}

export function summaryLine(result: ScanResult): string {
  const counts = countsBySeverity(result.findings);
  const parts = SEVERITIES.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  const seconds = (result.durationMs / 1000).toFixed(1);
  const accepted = result.baseline ? `; ${result.baseline.suppressed.length} accepted by the baseline` : '';
  const timeouts = result.timeouts ? ` (${result.timeouts} timed out)` : '';
  return `${result.findings.length} finding${result.findings.length === 1 ? '' : 's'}${parts.length ? ` (${parts.join(', ')})` : ''}${accepted}; ${result.requests} requests${timeouts} in ${seconds} s`;
}

/** Findings at or above a severity: what --fail-on counts. */
export function atOrAbove(findings: readonly Finding[], severity: Severity): Finding[] {
  return findings.filter((f) => severityRank(f.severity) >= severityRank(severity));
}
