// The human report: findings grouped by severity, each with its operation, what happened, the request
// and the answer excerpt, and a curl command; then the checks that were skipped and the totals.
import { displayPath } from '../../audit/report/paths.ts';
import { OWASP_CATEGORIES, SEVERITIES, type Exchange, type ScanResult } from '../types.ts';
import { ordered, summaryLine } from './summary.ts';

export function renderText(result: ScanResult, options: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  lines.push(`portcullis scan: ${result.target} (${displayPath(result.spec)}; identities: ${result.identities.map((i) => `${i.name}${i.role === 'admin' ? ' (admin)' : ''}`).join(', ') || 'none'})`);
  const infos = new Map(result.infos.map((i) => [i.id, i]));
  const findings = ordered(result.findings);
  for (const severity of SEVERITIES) {
    const group = findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    lines.push('', `${severity.toUpperCase()} (${group.length})`);
    for (const f of group) {
      lines.push(`  ${f.check}: ${f.title} [${f.category} ${OWASP_CATEGORIES[f.category]}, CWE-${f.cwe}, ${f.confidence}]`);
      lines.push(`    ${f.operation}`);
      lines.push(`    ${f.message}`);
      for (const e of f.evidence.slice(0, options.verbose ? undefined : 1)) lines.push(...exchange(e));
      if (f.curl) lines.push(`    reproduce: ${f.curl}`);
      if (options.verbose) lines.push(`    fix: ${infos.get(f.check)?.fix ?? ''}`);
    }
  }
  if (result.findings.length === 0) lines.push('', result.baseline?.suppressed.length ? 'No findings besides those of the baseline.' : 'No findings.');
  if (result.baseline?.suppressed.length) {
    lines.push('', `Accepted by the baseline (${result.baseline.suppressed.length}):`);
    for (const f of ordered(result.baseline.suppressed)) lines.push(`  ${f.severity} ${f.check}: ${f.operation}`);
  }
  if (result.baseline?.gone.length) {
    lines.push('', `In the baseline but not found by this scan (fixed, or not tested this time) (${result.baseline.gone.length}):`);
    for (const e of result.baseline.gone) lines.push(`  ${e.check}: ${e.operation}`);
  }
  const byReason = new Map<string, string[]>();
  for (const c of result.checks.filter((x) => x.status !== 'ran')) {
    const reason = `${c.status === 'error' ? 'error: ' : ''}${c.reason ?? 'nothing to test'}`;
    byReason.set(reason, [...(byReason.get(reason) ?? []), c.check]);
  }
  if (byReason.size > 0) {
    lines.push('', 'Not run:');
    for (const [reason, checks] of byReason) lines.push(`  ${checks.length === result.checks.length ? 'every check' : checks.join(', ')}: ${reason}`);
  }
  for (const e of result.errors) lines.push('', `Stopped early: ${e}`);
  lines.push('', summaryLine(result));
  return `${lines.join('\n')}\n`;
}

function exchange(e: Exchange): string[] {
  const out = [`    > ${e.request.method} ${e.request.url}${e.note ? `   (${e.note})` : ''}`];
  if (e.request.body !== undefined) out.push(`    > ${oneLine(e.request.body, 200)}`);
  if (e.response) out.push(`    < ${e.response.status} ${oneLine(e.response.body, 300)}`);
  return out;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
