// JUnit XML for CI: one test suite per check, one test case per operation it tested; a finding is a
// failure of its case (message, then the evidence and the curl command as text).
import type { ScanResult } from '../types.ts';

export function xmlEscape(text: string): string {
  // Characters XML 1.0 cannot carry at all are dropped.
  return text.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/gu, '').replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export function renderJunit(result: ScanResult): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  for (const check of result.checks) {
    const info = result.infos.find((i) => i.id === check.check);
    const found = result.findings.filter((f) => f.check === check.check);
    const accepted = (result.baseline?.suppressed ?? []).filter((f) => f.check === check.check);
    const operations = [...new Set([...check.tested, ...found.map((f) => f.operation), ...accepted.map((f) => f.operation)])].sort();
    const cases: string[] = [];
    for (const op of operations) {
      const f = found.find((x) => x.operation === op);
      const name = `${xmlEscape(check.check)}: ${xmlEscape(op)}`;
      if (!f) {
        const known = accepted.find((x) => x.operation === op);
        cases.push(known ? `    <testcase classname="${xmlEscape(check.check)}" name="${name}">\n      <skipped message="accepted by the baseline: ${xmlEscape(known.message)}"/>\n    </testcase>` : `    <testcase classname="${xmlEscape(check.check)}" name="${name}"/>`);
        continue;
      }
      const detail = [f.message, ...f.evidence.map((e) => `${e.request.method} ${e.request.url}${e.response ? ` -> ${e.response.status} ${e.response.body}` : ''}`), `reproduce: ${f.curl}`].join('\n');
      cases.push(`    <testcase classname="${xmlEscape(check.check)}" name="${name}">\n      <failure message="${xmlEscape(f.message)}" type="${f.severity}">${xmlEscape(detail)}</failure>\n    </testcase>`);
    }
    if (operations.length === 0) cases.push(`    <testcase classname="${xmlEscape(check.check)}" name="${xmlEscape(check.check)}">\n      <skipped message="${xmlEscape(check.reason ?? 'nothing to test')}"/>\n    </testcase>`);
    const suiteFailures = found.length;
    tests += Math.max(operations.length, 1);
    failures += suiteFailures;
    const title = info ? ` (${xmlEscape(info.category)} ${xmlEscape(info.title)})` : '';
    suites.push(`  <testsuite name="${xmlEscape(check.check)}${title}" tests="${Math.max(operations.length, 1)}" failures="${suiteFailures}" errors="${check.status === 'error' ? 1 : 0}" skipped="${operations.length === 0 ? 1 : accepted.length}">\n${cases.join('\n')}\n  </testsuite>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="portcullis scan ${xmlEscape(result.target)}" tests="${tests}" failures="${failures}" time="${(result.durationMs / 1000).toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
