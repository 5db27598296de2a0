// The callers the anomaly detectors block now (shown on the Alerts page), each with a Lift button:
// lifting lets the caller through at once on every worker and every gateway sharing blocks, and is
// recorded in the audit trail. Hidden on gateways where no detector is in enforce mode.
import { useState } from 'preact/hooks';
import { blocks, liftBlock } from '../endpoints.ts';
import { isMissing, useData } from '../hooks.ts';
import { Badge, Empty, Status, time } from '../ui.tsx';

export function Blocks() {
  const current = useData(blocks, [], 5000);
  const [error, setError] = useState('');
  if (current.error && isMissing(current.error)) return null;
  const lift = async (key: string) => {
    if (!confirm(`Lift the block on ${key}? Its requests pass again at once.`)) return;
    setError('');
    try {
      await liftBlock(key);
    } catch (e) {
      setError((e as Error).message);
    }
    current.reload();
  };
  const data = current.data;
  return (
    <section aria-labelledby="blocks-heading">
      <h2 id="blocks-heading">Blocked now</h2>
      <Status error={current.error} loading={current.loading && !data} feature="Anomaly blocks" />
      {error && <p role="alert" class="error">{error}</p>}
      {data && data.blocks.length === 0 && <Empty>Nobody is blocked.</Empty>}
      {data && data.blocks.length > 0 && (
        <table data-testid="blocks">
          <thead><tr><th scope="col">Blocked</th><th scope="col">Kind</th><th scope="col">Until</th><th scope="col">Left</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead>
          <tbody>
            {data.blocks.map((b) => (
              <tr key={b.key}>
                <td>{b.value}</td>
                <td><Badge kind="deny">{b.kind}</Badge></td>
                <td>{time(b.until)}</td>
                <td>{b.remaining} s</td>
                <td><button type="button" class="danger" aria-label={`Lift ${b.key}`} onClick={() => void lift(b.key)}>Lift</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && data.total > data.blocks.length && <p class="muted">{data.blocks.length} of {data.total} shown (ending last first).</p>}
    </section>
  );
}
