// The human report: findings grouped by severity, each with its operation, what happened, the request
// and the answer excerpt, and a curl command; then the checks that were skipped or tested nothing, the
// 429s and timeouts, why the scan stopped, and the totals. What the target sent is shown, never obeyed:
// its control characters are escaped.
import { displayPath } from '../../audit/report/paths.ts';
import { OWASP_CATEGORIES, SEVERITIES, testedNothing, type CheckRun, type Exchange, type ScanResult } from '../types.ts';
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
  if (result.findings.length === 0) lines.push('', `No findings${result.baseline?.suppressed.length ? ' besides those of the baseline' : ''}${result.errors.length ? ' before the scan stopped (see below)' : ''}.`);
  if (result.baseline?.suppressed.length) {
    lines.push('', `Accepted by the baseline (${result.baseline.suppressed.length}):`);
    for (const f of ordered(result.baseline.suppressed)) lines.push(`  ${f.severity} ${f.check}: ${f.operation}`);
  }
  if (result.baseline?.gone.length) {
    lines.push('', `In the baseline but not found by this scan (fixed, or not tested this time) (${result.baseline.gone.length}):`);
    for (const e of result.baseline.gone) lines.push(`  ${e.check}: ${e.operation}`);
  }
  const notRun = result.checks.filter((x) => x.status !== 'ran');
  lines.push(...grouped('Not run:', notRun, result.checks.length, (c) => `${c.status === 'error' ? 'error: ' : ''}${c.reason ?? 'nothing to test'}`));
  lines.push(...grouped('Ran, nothing tested (a clean result proves nothing there):', result.checks.filter(testedNothing), result.checks.length, (c) => c.reason ?? 'no operation fits it'));
  if (result.rateLimited) lines.push('', `Rate-limited: ${result.rateLimited.retries} answer${result.rateLimited.retries === 1 ? ' was' : 's were'} 429; the scan waited ${result.rateLimited.waitedSeconds} s as asked (Retry-After) and sent ${result.rateLimited.retries === 1 ? 'it' : 'them'} again.`);
  if (result.timeouts) lines.push('', `Timed out: ${result.timeouts} request${result.timeouts === 1 ? '' : 's'} got no answer within the time limit (--timeout); each counts as status 0.`);
  for (const e of result.errors) lines.push('', `Stopped early: ${e}`);
  lines.push('', summaryLine(result));
  return `${escapeControls(lines.join('\n'))}\n`;
}

/** Checks grouped by their reason, under a heading: "  a, b: reason". */
function grouped(heading: string, checks: readonly CheckRun[], all: number, reasonOf: (c: CheckRun) => string): string[] {
  const byReason = new Map<string, string[]>();
  for (const c of checks) byReason.set(reasonOf(c), [...(byReason.get(reasonOf(c)) ?? []), c.check]);
  if (byReason.size === 0) return [];
  return ['', heading, ...[...byReason].map(([reason, ids]) => `  ${ids.length === all ? 'every check' : ids.join(', ')}: ${reason}`)];
}

/**
 * Control characters from the target's answers (ESC sequences that clear the screen, retitle the
 * terminal or hide text) shown as \u escapes; newlines and tabs stay. Bidirectional overrides too.
 */
export function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
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
