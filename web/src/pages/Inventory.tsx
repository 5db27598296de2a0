// Inventory: every operation with its traffic, when it was last called and the media types of its
// bodies; shadow (undocumented), zombie (deprecated or old version) and unused ones flagged; the
// observed OpenAPI draft to download.
import { useState } from 'preact/hooks';
import { inventory, openapiDraft } from '../endpoints.ts';
import { useData } from '../hooks.ts';
import { Badge, count, download, Empty, Status, time } from '../ui.tsx';

const FLAGS = ['shadow', 'zombie', 'unused'];

export function Inventory() {
  const ops = useData(inventory, [], 10_000);
  const [error, setError] = useState('');
  const save = async () => {
    setError('');
    try {
      const draft = await openapiDraft();
      const yaml = /yaml/.test(draft.type);
      download(yaml ? 'observed-openapi.yaml' : 'observed-openapi.json', draft.text, yaml ? 'application/yaml' : 'application/json');
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const rows = ops.data?.rows ?? [];
  const overflow = ops.data?.overflow ?? 0;
  return (
    <section>
      <p class="row">
        <button type="button" onClick={() => void save()}>Download observed OpenAPI draft</button>
        {FLAGS.map((f) => (
          <span key={f}>
            <Badge kind={f}>{f}</Badge> {rows.filter((r) => r.status === f).length}
          </span>
        ))}
      </p>
      {overflow > 0 && <p class="muted">{count(overflow)} undocumented calls not listed: the table of them is full (noise that never got an answer gives way first).</p>}
      {error && <p role="alert" class="error">{error}</p>}
      <Status error={ops.error} loading={ops.loading && !ops.data} feature="The API inventory" />
      {ops.data && rows.length === 0 && <Empty>No operations known yet.</Empty>}
      {rows.length > 0 && (
        <table>
          <thead><tr><th scope="col">API</th><th scope="col">Operation</th><th scope="col">Calls</th><th scope="col">Last seen</th><th scope="col">Bodies</th><th scope="col">Status</th></tr></thead>
          <tbody>
            {rows.map((o) => (
              <tr key={`${o.api} ${o.method} ${o.path}`} data-status={o.status}>
                <td>{o.api}</td>
                <td class="wrap"><code>{o.method} {o.path}</code>{o.operationId && <div class="muted">{o.operationId}</div>}</td>
                <td class="num">{count(o.count)}</td>
                <td>{time(o.lastSeen)}</td>
                <td class="wrap muted">{o.media.map((m) => <div key={m}>{m}</div>)}</td>
                <td>{FLAGS.includes(o.status) ? <Badge kind={o.status}>{o.status}</Badge> : o.status}{o.deprecated && o.status !== 'zombie' && <Badge kind="zombie">deprecated</Badge>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
