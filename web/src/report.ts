// Reading a JSON report of `portcullis audit` (reportVersion 1, src/audit/report/json.ts) or
// `portcullis scan` into one shape: findings grouped by OWASP API Security Top 10 (2023) category.
// The file is read in the browser; it is never sent anywhere.
export const OWASP: Record<string, string> = {
  'API1:2023': 'Broken Object Level Authorization',
  'API2:2023': 'Broken Authentication',
  'API3:2023': 'Broken Object Property Level Authorization',
  'API4:2023': 'Unrestricted Resource Consumption',
  'API5:2023': 'Broken Function Level Authorization',
  'API6:2023': 'Unrestricted Access to Sensitive Business Flows',
  'API7:2023': 'Server Side Request Forgery',
  'API8:2023': 'Security Misconfiguration',
  'API9:2023': 'Improper Inventory Management',
  'API10:2023': 'Unsafe Consumption of APIs',
};
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];

export interface ReportFinding {
  readonly category: string;
  readonly severity: string;
  readonly rule: string;
  readonly message: string;
  readonly where: string;
}

export interface ParsedReport {
  readonly tool: string;
  readonly subject: string;
  readonly score: number | undefined;
  readonly findings: readonly ReportFinding[];
  readonly groups: readonly { category: string; title: string; findings: readonly ReportFinding[] }[];
}

const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** "API1", "api1:2023", "API1:2023 Broken..." → "API1:2023"; anything else → "other". */
function category(v: unknown): string {
  const m = /^\s*API\s*(\d{1,2})\b/i.exec(text(v));
  const id = m ? `API${Number(m[1])}:2023` : '';
  return id in OWASP ? id : 'other';
}

export function parseReport(raw: string): ParsedReport {
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    throw new Error('This file is not JSON. Use `portcullis audit --format json` or `portcullis scan --format json`.');
  }
  if (doc === null || typeof doc !== 'object' || !Array.isArray((doc as { findings?: unknown }).findings)) {
    throw new Error('This JSON has no "findings" list: it is not a report of portcullis audit or scan.');
  }
  const d = doc as Record<string, unknown> & { findings: unknown[] };
  const tool = text((d.tool as { name?: unknown } | undefined)?.name) || (d.reportVersion !== undefined ? 'portcullis audit' : 'report');
  const findings = d.findings.slice(0, 10_000).map((f): ReportFinding => {
    const o = (f ?? {}) as Record<string, unknown>;
    const severity = text(o.severity).toLowerCase();
    return {
      category: category(o.category ?? o.owasp),
      severity: SEVERITIES.includes(severity) ? severity : 'info',
      rule: text(o.rule ?? o.check ?? o.id),
      message: text(o.message ?? o.title ?? o.description),
      where: text(o.operation ?? o.endpoint) || (o.line !== undefined ? `line ${text(o.line)}` : text(o.pointer)),
    };
  });
  findings.sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
  const ids = [...Object.keys(OWASP), 'other'];
  const groups = ids
    .map((id) => ({ category: id, title: OWASP[id] ?? 'Other findings', findings: findings.filter((f) => f.category === id) }))
    .filter((g) => g.findings.length > 0);
  const score = typeof d.score === 'number' ? d.score : undefined;
  return { tool, subject: text(d.file ?? d.target ?? d.baseUrl), score, findings, groups };
}
