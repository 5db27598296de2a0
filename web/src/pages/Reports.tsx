// Scan and audit reports: open a JSON report file (read in the browser, not uploaded anywhere) and
// see its findings by OWASP category, most severe first.
import { useState } from 'preact/hooks';
import { parseReport, type ParsedReport } from '../report.ts';
import { Badge, Empty } from '../ui.tsx';

export function Reports() {
  const [report, setReport] = useState<(ParsedReport & { name: string }) | undefined>(undefined);
  const [error, setError] = useState('');
  const open = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (!file) return;
    setError('');
    try {
      if (file.size > 20 * 1024 * 1024) throw new Error('This file is larger than 20 MB.');
      setReport({ ...parseReport(await file.text()), name: file.name });
    } catch (e) {
      setReport(undefined);
      setError((e as Error).message);
    }
  };
  return (
    <section>
      <p>
        Open the JSON report of <code>portcullis audit --format json</code> or <code>portcullis scan --format json</code>. It is read by
        this page only.
      </p>
      <label for="report-file">Report file</label>
      <input id="report-file" type="file" accept="application/json,.json" onChange={(e) => void open(e.currentTarget)} />
      {error && <p role="alert" class="error">{error}</p>}
      {!report && !error && <Empty>No report opened.</Empty>}
      {report && (
        <div class="report">
          <p class="row">
            <strong>{report.tool}</strong>
            <span>{report.subject || report.name}</span>
            {report.score !== undefined && <span class="score" data-testid="score">score {report.score}/100</span>}
            <span data-testid="finding-count">{report.findings.length} findings</span>
          </p>
          {report.groups.length === 0 && <Empty>No findings.</Empty>}
          {report.groups.map((g) => (
            <details class="card" key={g.category} open data-category={g.category}>
              <summary>
                <span>{g.category === 'other' ? 'Other' : g.category}</span> {g.title} <Badge kind="count">{g.findings.length}</Badge>
              </summary>
              <table>
                <thead><tr><th scope="col">Severity</th><th scope="col">Rule</th><th scope="col">Finding</th><th scope="col">Where</th></tr></thead>
                <tbody>
                  {g.findings.map((f, i) => (
                    <tr key={i}>
                      <td><Badge kind={f.severity}>{f.severity}</Badge></td>
                      <td><code>{f.rule}</code></td>
                      <td>{f.message}</td>
                      <td>{f.where}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          ))}
        </div>
      )}
    </section>
  );
}
