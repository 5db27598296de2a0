// A self-contained HTML report (no scripts, no external resources): a bar chart per OWASP category,
// counts per severity, then each finding with its evidence and curl command in a <details> block.
import { OWASP_CATEGORIES, SEVERITIES, testedNothing, type Exchange, type OwaspCategory, type ScanResult } from '../types.ts';
import { xmlEscape as esc } from './junit.ts';
import { countsByCategory, countsBySeverity, ordered, summaryLine } from './summary.ts';

const COLORS: Record<string, string> = { critical: '#8b0000', high: '#d9480f', medium: '#e0a100', low: '#1c7ed6', info: '#868e96' };

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#212529}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}code,pre{font:12px/1.4 ui-monospace,monospace}
pre{background:#f1f3f5;padding:.6rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
.sev{display:inline-block;color:#fff;border-radius:3px;padding:0 .4rem;font-size:12px;text-transform:uppercase}
table{border-collapse:collapse}td,th{padding:.2rem .6rem;text-align:left;vertical-align:top}
.bar{height:14px;display:inline-block;background:#495057}.finding{border-top:1px solid #dee2e6;padding:.6rem 0}
.muted{color:#6c757d}`;

export function renderHtml(result: ScanResult, toolVersion: string): string {
  const counts = countsBySeverity(result.findings);
  const byCategory = countsByCategory(result.findings);
  const max = Math.max(1, ...byCategory.values());
  const categoryRows = (Object.keys(OWASP_CATEGORIES) as OwaspCategory[])
    .map((c) => {
      const n = byCategory.get(c) ?? 0;
      return `<tr><th>${esc(c)}</th><td>${esc(OWASP_CATEGORIES[c])}</td><td><span class="bar" style="width:${Math.round((n / max) * 240)}px"></span> ${n}</td></tr>`;
    })
    .join('\n');
  const severityRow = SEVERITIES.map((s) => `<span class="sev" style="background:${COLORS[s]}">${s} ${counts[s]}</span>`).join(' ');
  const findings = ordered(result.findings).map((f) => `<div class="finding">
<span class="sev" style="background:${COLORS[f.severity]}">${f.severity}</span> <strong>${esc(f.title)}</strong> <span class="muted">${esc(f.check)} · ${esc(f.category)} · CWE-${f.cwe} · ${f.confidence}</span>
<div><code>${esc(f.operation)}</code></div>
<p>${esc(f.message)}</p>
<details><summary>Evidence and reproduction</summary>
${f.evidence.map(exchange).join('\n')}
<pre>${esc(f.curl)}</pre>
</details></div>`);
  const skipped = result.checks.filter((c) => c.status !== 'ran').map((c) => `<li><code>${esc(c.check)}</code>: ${esc(c.reason ?? 'nothing to test')}</li>`);
  const untested = result.checks.filter(testedNothing).map((c) => `<li><code>${esc(c.check)}</code>: ${esc(c.reason ?? 'no operation fits it')}</li>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>portcullis scan: ${esc(result.target)}</title><style>${STYLE}</style></head>
<body>
<h1>portcullis scan</h1>
<p>Target <code>${esc(result.target)}</code>, document <code>${esc(result.spec)}</code>, ${esc(result.startedAt)}, portcullis ${esc(toolVersion)}.<br>
Identities: ${result.identities.map((i) => `${esc(i.name)}${i.role === 'admin' ? ' (admin)' : ''}`).join(', ') || 'none'}.<br>${esc(summaryLine(result))}.${result.timeouts ? ` ${result.timeouts} request(s) got no answer within the time limit.` : ''}</p>
<p>${severityRow}</p>
<h2>By OWASP API Security Top 10 (2023) category</h2>
<table>${categoryRows}</table>
<h2>Findings</h2>
${findings.join('\n') || `<p>No findings${result.errors.length ? ' before the scan stopped (see "Stopped early")' : ''}.</p>`}
${skipped.length ? `<h2>Not run</h2><ul>${skipped.join('')}</ul>` : ''}
${untested.length ? `<h2>Ran, nothing tested</h2><p class="muted">A clean result from these checks proves nothing.</p><ul>${untested.join('')}</ul>` : ''}
${result.baseline?.suppressed.length ? `<h2>Accepted by the baseline</h2><ul>${ordered(result.baseline.suppressed).map((f) => `<li>${esc(f.severity)} ${esc(f.check)}: ${esc(f.operation)}</li>`).join('')}</ul>` : ''}
${result.baseline?.gone.length ? `<h2>In the baseline but not found</h2><ul>${result.baseline.gone.map((e) => `<li>${esc(e.check)}: ${esc(e.operation)}</li>`).join('')}</ul>` : ''}
${result.errors.length ? `<h2>Stopped early</h2><ul>${result.errors.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}

function exchange(e: Exchange): string {
  const req = [`${e.request.method} ${e.request.url}`, ...Object.entries(e.request.headers).map(([k, v]) => `${k}: ${v}`), ...(e.request.body !== undefined ? ['', e.request.body] : [])].join('\n');
  const res = e.response ? [`HTTP ${e.response.status}`, ...Object.entries(e.response.headers).map(([k, v]) => `${k}: ${v}`), '', e.response.body].join('\n') : '';
  return `${e.note ? `<p class="muted">${esc(e.note)}</p>` : ''}<pre>${esc(req)}</pre>${res ? `<pre>${esc(res)}</pre>` : ''}`;
}
