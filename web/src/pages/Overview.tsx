// Overview: request rate, error and denial rates, p50 / p99 latency (polled every 2 s; the gateway
// counts in 5-second buckets, so figures are 5-10 s behind), and who and what is denied most.
import { stats, type Point, type TopEntry } from '../endpoints.ts';
import { useData } from '../hooks.ts';
import { Chart } from '../chart.tsx';
import { count, Empty, Status } from '../ui.tsx';

const WINDOW_MINUTES = 5;

function rates(points: Point[], step: number) {
  const last = points.slice(-5);
  const requests = last.reduce((n, p) => n + p.requests, 0);
  const pct = (n: number) => (requests === 0 ? 0 : (100 * n) / requests);
  return {
    rps: requests / (Math.max(1, last.length) * step),
    errors: pct(last.reduce((n, p) => n + p.errors, 0)),
    denied: pct(last.reduce((n, p) => n + p.denied, 0)),
    p50: last.findLast((p) => p.p50 !== null)?.p50 ?? null,
    p99: last.findLast((p) => p.p99 !== null)?.p99 ?? null,
  };
}

export function Overview() {
  const series = useData(() => stats(WINDOW_MINUTES), [], 2000);
  const data = series.data;
  const points = data?.points ?? [];
  const step = data?.bucketSeconds ?? 5;
  // The newest bucket is still filling: figures are read from the ones before it.
  const done = points.slice(0, -1);
  const now = rates(done, step);
  const times = points.map((p) => p.time / 1000);
  return (
    <section>
      <Status error={series.error} loading={series.loading && !data} feature="Traffic statistics" />
      <div class="tiles" aria-live="polite">
        <Tile label="Requests / s" value={now.rps.toFixed(1)} id="rps" />
        <Tile label="Errors" value={`${now.errors.toFixed(1)} %`} id="errors" />
        <Tile label="Denied" value={`${now.denied.toFixed(1)} %`} id="denied" />
        <Tile label="p50 latency" value={now.p50 === null ? '—' : `${now.p50.toFixed(1)} ms`} id="p50" />
        <Tile label="p99 latency" value={now.p99 === null ? '—' : `${now.p99.toFixed(1)} ms`} id="p99" />
      </div>
      {data && (
        <div class="charts">
          <Chart title="Requests per second" unit="" times={times} series={[{ label: 'requests/s', color: '#1f6feb' }]} values={[points.map((p) => p.requests / step)]} />
          <Chart title="Errors and denials per second" unit="" times={times} series={[{ label: 'denied/s', color: '#b35900' }, { label: 'errors/s', color: '#c62828' }]} values={[points.map((p) => p.denied / step), points.map((p) => p.errors / step)]} />
          <Chart title="Latency" unit=" ms" times={times} series={[{ label: 'p50', color: '#2e7d32' }, { label: 'p99', color: '#6a1b9a' }]} values={[points.map((p) => p.p50), points.map((p) => p.p99)]} />
        </div>
      )}
      {data && (
        <div class="tops">
          <Top title="Top denied reasons" rows={data.reasons} id="reasons" />
          <Top title="Top consumers" rows={data.consumers} id="consumers" />
          <Top title="Top client IPs" rows={data.ips} id="ips" />
          <Top title="Top operations" rows={data.operations} id="operations" />
        </div>
      )}
    </section>
  );
}

function Tile({ label, value, id }: { label: string; value: string; id: string }) {
  return (
    <div class="tile">
      <div class="tile-label" id={`tile-${id}-label`}>{label}</div>
      <div class="tile-value" data-testid={`tile-${id}`} aria-labelledby={`tile-${id}-label`}>{value}</div>
    </div>
  );
}

function Top({ title, rows, id }: { title: string; rows: TopEntry[]; id: string }) {
  return (
    <div class="card" data-testid={`top-${id}`}>
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <Empty>Nothing yet.</Empty>
      ) : (
        <table>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key}><td class="wrap">{r.key || '(none)'}</td><td class="num">{count(r.count)}</td></tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
