// Security events: the audit trail, newest first, filtered by verdict, policy, consumer, client IP and
// operation, paginated with the API's cursor, with a detail view of one event. Administrators' changes
// (consumers and keys: policy "admin"; anomaly blocks) are events too: their verdict names the change,
// the consumer column the consumer changed and who made it. #/events?policy=admin&consumer=x links here.
import { useState } from 'preact/hooks';
import { event, events, type AuditEvent, type EventFilter } from '../endpoints.ts';
import { useData } from '../hooks.ts';
import { Badge, Empty, Status, time } from '../ui.tsx';

const FIELDS = [
  { name: 'policy', label: 'Policy' },
  { name: 'consumer', label: 'Consumer' },
  { name: 'ip', label: 'Client IP' },
  { name: 'operation', label: 'Operation' },
] as const;

/** Verdicts of administrators' changes (see docs/admin-api.yaml, Verdict). */
const KEY_CHANGES = ['consumer-created', 'consumer-updated', 'key-created', 'key-rotated', 'key-revoked'];
const BLOCK_CHANGES = ['blocked', 'lifted'];
const CHANGES = new Set([...KEY_CHANGES, ...BLOCK_CHANGES]);

export function Events({ query }: { query: URLSearchParams }) {
  // Denials first, unless the link asks for a policy (its changes are not denials).
  const [filter, setFilter] = useState<EventFilter>(() => ({
    verdict: query.get('verdict') ?? (query.has('policy') ? undefined : 'deny'),
    policy: query.get('policy') || undefined,
    consumer: query.get('consumer') || undefined,
  }));
  // The cursors of the pages seen, so "Newer" can go back.
  const [pages, setPages] = useState<(string | undefined)[]>([undefined]);
  const cursor = pages.at(-1);
  const page = useData(() => events({ ...filter, cursor }), [JSON.stringify(filter), cursor], 5000);
  const selected = query.get('id');
  const apply = (next: EventFilter) => {
    setFilter(next);
    setPages([undefined]);
  };
  return (
    <section>
      {selected && <Detail id={Number(selected)} />}
      <form class="filters" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
        <label for="f-verdict">Verdict</label>
        <select id="f-verdict" value={filter.verdict ?? ''} onChange={(e) => apply({ ...filter, verdict: e.currentTarget.value || undefined })}>
          <option value="">any</option>
          <option value="deny">deny</option>
          <option value="report">report</option>
          <option value="error">error</option>
          <option value="allow">allow</option>
          <optgroup label="Consumers and keys (policy admin)">
            {KEY_CHANGES.map((v) => <option key={v} value={v}>{v}</option>)}
          </optgroup>
          <optgroup label="Anomaly blocks (policy anomaly)">
            {BLOCK_CHANGES.map((v) => <option key={v} value={v}>{v}</option>)}
          </optgroup>
        </select>
        {FIELDS.map((f) => (
          <span key={f.name}>
            <label for={`f-${f.name}`}>{f.label}</label>
            <input id={`f-${f.name}`} value={filter[f.name] ?? ''} onChange={(e) => apply({ ...filter, [f.name]: e.currentTarget.value.trim() || undefined })} />
          </span>
        ))}
      </form>
      <Status error={page.error} loading={page.loading && !page.data} feature="The audit trail" />
      {page.data && page.data.events.length === 0 && <Empty>No events match.</Empty>}
      {page.data && page.data.events.length > 0 && (
        <table class="events">
          <thead>
            <tr><th scope="col">Time</th><th scope="col">Verdict</th><th scope="col">Consumer</th><th scope="col">Client IP</th><th scope="col">Request</th><th scope="col">Policy</th><th scope="col">Reason</th></tr>
          </thead>
          <tbody>
            {page.data.events.map((e) => (
              <tr key={e.id} data-event={e.id}>
                <td><a href={`#/events?id=${e.id}`}>{time(e.time)}</a></td>
                <td><Badge kind={e.verdict}>{e.verdict}</Badge> <span class="muted">{e.status}</span></td>
                <td>{e.consumer ?? '—'}{CHANGES.has(e.verdict) && e.subject && <div class="muted">by {e.subject}</div>}</td>
                <td>{e.clientIp}</td>
                <td class="wrap"><code>{e.method} {e.path}</code>{e.operation && <div class="muted">{e.operation}</div>}</td>
                <td>{e.policy ?? '—'}</td>
                <td><code>{e.reason ?? '—'}</code></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label="Pages of events">
        <button type="button" disabled={pages.length === 1} onClick={() => setPages(pages.slice(0, -1))}>Newer</button>
        <span class="muted">page {pages.length}</span>
        <button type="button" disabled={!page.data?.next} onClick={() => setPages([...pages, page.data!.next])}>Older</button>
      </nav>
    </section>
  );
}

function Detail({ id }: { id: number }) {
  const one = useData(() => event(id), [id]);
  const e: AuditEvent | undefined = one.data;
  return (
    <article class="card detail" aria-labelledby="event-title">
      <header class="row">
        <h2 id="event-title">Event {id}</h2>
        <a href="#/events">Close</a>
      </header>
      <Status error={one.error} loading={one.loading} feature="The audit trail" />
      {e && (
        <dl>
          <dt>Time</dt><dd>{time(e.time)}</dd>
          <dt>Request id</dt><dd><code>{e.requestId}</code> <span class="muted">(the requestId of the access-log line)</span></dd>
          <dt>Request</dt><dd class="wrap"><code>{e.method} {e.path}</code></dd>
          <dt>API / operation</dt><dd>{e.api ?? '—'} / {e.operation ?? '—'}</dd>
          <dt>Consumer</dt><dd>{e.consumer ?? '—'}</dd>
          <dt>{CHANGES.has(e.verdict) ? 'Changed by' : 'Subject'}</dt><dd>{e.subject ?? '—'}</dd>
          <dt>Client IP</dt><dd>{e.clientIp}</dd>
          <dt>Verdict</dt><dd><Badge kind={e.verdict}>{e.verdict}</Badge> {e.status} <code>{e.reason ?? ''}</code> by {e.policy ?? '—'}</dd>
          <dt>Decisions</dt><dd><pre>{JSON.stringify(e.decisions, null, 2)}</pre></dd>
          <dt>Evidence (redacted)</dt><dd><pre data-testid="evidence">{JSON.stringify(e.evidence, null, 2)}</pre></dd>
        </dl>
      )}
    </article>
  );
}
