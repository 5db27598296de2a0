// The human report: findings grouped by severity, then by rule (with why and fix once per rule),
// each at file:line:column, then the score and what cost the most points.
import { printable } from '../../openapi/load.ts';
import type { AuditResult } from '../index.ts';
import { SEVERITIES, type Finding } from '../types.ts';
import { displayPath } from './paths.ts';

const VERSION_NAMES = { '2.0': 'Swagger 2.0', '3.0': 'OpenAPI 3.0', '3.1': 'OpenAPI 3.1' } as const;

/** Locations listed per rule unless verbose (the JSON and SARIF reports list every finding). */
export const TEXT_LOCATIONS_PER_RULE = 20;

export function renderText(result: AuditResult, options: { verbose?: boolean } = {}): string {
  const file = printable(displayPath(result.file));
  const lines: string[] = [];
  lines.push(`portcullis audit: ${file} (${VERSION_NAMES[result.version]}, ${result.operations} operation${result.operations === 1 ? '' : 's'}, ${result.profile} profile)`);
  const byRule = new Map(result.rules.map((r) => [r.rule.id, r.rule]));
  for (const severity of SEVERITIES) {
    const findings = result.findings.filter((f) => f.severity === severity);
    if (findings.length === 0) continue;
    lines.push('', `${severity.toUpperCase()} (${findings.length})`);
    const groups = new Map<string, Finding[]>();
    for (const f of findings) groups.set(f.rule, [...(groups.get(f.rule) ?? []), f]);
    for (const [id, group] of groups) {
      const rule = byRule.get(id)!;
      lines.push(`  ${id}: ${rule.title} [${rule.category}, CWE-${rule.cwe}]`);
      const shown = options.verbose ? group : group.slice(0, TEXT_LOCATIONS_PER_RULE);
      // Messages quote names from the document (paths, parameters): their control characters are escaped.
      for (const f of shown) lines.push(`    ${file}:${f.line}:${f.column}  ${printable(f.message)}`);
      if (shown.length < group.length) lines.push(`    ... and ${group.length - shown.length} more (--verbose or --format json lists them all)`);
      if (options.verbose) lines.push(`    why: ${rule.why}`);
      lines.push(`    fix: ${rule.fix}`);
    }
  }
  if (result.findings.length === 0) lines.push('', 'No findings.');
  lines.push('');
  const counts = SEVERITIES.map((s) => `${result.counts[s]} ${s}`).join(', ');
  lines.push(`Score: ${result.score}/100 (${counts})`);
  const costly = result.deductions.filter((d) => d.points > 0).slice(0, 5);
  if (costly.length > 0) lines.push(`Largest deductions: ${costly.map((d) => `${d.rule} −${d.points}`).join(', ')}`);
  if (result.suppressed.length > 0 || result.staleBaseline.length > 0) {
    const parts = [`${result.suppressed.length} finding${result.suppressed.length === 1 ? '' : 's'} accepted by the baseline (score without it: ${result.scoreWithoutBaseline})`];
    if (result.staleBaseline.length > 0) parts.push(`${result.staleBaseline.length} baseline entr${result.staleBaseline.length === 1 ? 'y matches' : 'ies match'} nothing any more`);
    lines.push(`${parts.join('; ')}.`);
  }
  return `${lines.join('\n')}\n`;
}
