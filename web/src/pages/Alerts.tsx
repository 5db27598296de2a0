// Anomalies and alerts: who is blocked now (with a Lift button), what fired, when, for whom.
import { alerts } from '../endpoints.ts';
import { isMissing, useData } from '../hooks.ts';
import { Badge, Empty, Status, time } from '../ui.tsx';
import { Blocks } from './Blocks.tsx';

export function Alerts() {
  const fired = useData(alerts, [], 5000);
  if (fired.error && isMissing(fired.error)) {
    return (
      <>
        <Blocks />
        <Empty>
          This gateway's admin API does not serve anomaly findings (they are kept in the audit trail: turn on
          {' '}<code>audit</code>). Denied requests are in <a href="#/events">Security events</a>.
        </Empty>
      </>
    );
  }
  return (
    <>
      <Blocks />
      <section aria-label="Findings">
        <Status error={fired.error} loading={fired.loading && !fired.data} feature="Anomaly detection" />
        {fired.data && fired.data.length === 0 && <Empty>No anomaly detector has fired.</Empty>}
        {fired.data && fired.data.length > 0 && (
          <table>
            <thead><tr><th scope="col">Time</th><th scope="col">Detector</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Blocked</th></tr></thead>
            <tbody>
              {fired.data.map((a, i) => (
                <tr key={i}>
                  <td>{time(a.time)}</td>
                  <td>{a.kind}</td>
                  <td>{a.subject}</td>
                  <td>{a.detail}</td>
                  <td>{a.blocked ? <Badge kind="deny">until {time(a.until)}</Badge> : 'no'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
