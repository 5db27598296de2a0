// Consumers and their API keys: create a consumer, create / rotate / revoke keys. A new key is shown
// once, in a dialog, and never again (only its hash is stored). "Changes" lists the audit events of
// the changes made to a consumer and its keys (Security events, policy admin).
import { useState } from 'preact/hooks';
import { getJson, postJson } from '../api.ts';
import { useData } from '../hooks.ts';
import { Badge, Empty, Status, time } from '../ui.tsx';

interface Key {
  id: string;
  consumerId: string;
  scopes: string[];
  createdAt: number;
  expiresAt?: number;
  revokedAt?: number;
  rotatedFrom?: string;
  state: string;
}
interface Consumer {
  id: string;
  name?: string;
  roles: string[];
  scopes: string[];
  keys: Key[];
}

export function Consumers() {
  const consumers = useData(() => getJson<{ consumers: Consumer[] }>('/api/consumers'), []);
  const [secret, setSecret] = useState<{ key: string; id: string; consumerId: string } | undefined>(undefined);
  const [error, setError] = useState('');
  const act = async (work: () => Promise<void>) => {
    setError('');
    try {
      await work();
    } catch (e) {
      setError((e as Error).message);
    }
    consumers.reload();
  };
  const list = consumers.data?.consumers ?? [];
  return (
    <section>
      <Status error={consumers.error} loading={consumers.loading && !consumers.data} feature="Key management" />
      {error && <p role="alert" class="error">{error}</p>}
      {secret && <NewKey secret={secret} onClose={() => setSecret(undefined)} />}
      <NewConsumer onCreate={(id) => act(async () => void (await postJson('/api/consumers', { id })))} />
      {consumers.data && list.length === 0 && <Empty>No consumers in the store yet.</Empty>}
      {list.map((c) => (
        <article class="card" key={c.id} data-consumer={c.id}>
          <header class="row">
            <h2>{c.name ?? c.id}</h2>
            <span class="muted">{c.id}</span>
            {c.roles.map((r) => <Badge kind="role" key={r}>{r}</Badge>)}
            <a href={`#/events?policy=admin&consumer=${encodeURIComponent(c.id)}`} aria-label={`Changes to ${c.id} (security events)`}>Changes</a>
            <button type="button" onClick={() => act(async () => setSecret(await postJson(`/api/consumers/${encodeURIComponent(c.id)}/keys`, {})))}>
              Create key
            </button>
          </header>
          {c.keys.length === 0 ? (
            <Empty>No keys.</Empty>
          ) : (
            <table>
              <thead>
                <tr><th scope="col">Key id</th><th scope="col">State</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Scopes</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
              </thead>
              <tbody>
                {c.keys.map((k) => (
                  <tr key={k.id} data-key={k.id}>
                    <td><code>{k.id}</code>{k.rotatedFrom && <div class="muted">replaces {k.rotatedFrom}</div>}</td>
                    <td><Badge kind={k.state}>{k.state}</Badge></td>
                    <td>{time(k.createdAt)}</td>
                    <td>{time(k.revokedAt ?? k.expiresAt)}</td>
                    <td>{k.scopes.join(', ') || '—'}</td>
                    <td class="actions">
                      {k.state !== 'revoked' && k.state !== 'expired' && (
                        <>
                          <button type="button" aria-label={`Rotate ${k.id}`} onClick={() => act(async () => setSecret(await postJson(`/api/keys/${encodeURIComponent(k.id)}/rotate`, {})))}>Rotate</button>
                          <button type="button" class="danger" aria-label={`Revoke ${k.id}`} onClick={() => confirm(`Revoke ${k.id}? Calls with it are refused within a second.`) && act(async () => void (await postJson(`/api/keys/${encodeURIComponent(k.id)}/revoke`)))}>Revoke</button>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </article>
      ))}
    </section>
  );
}

function NewConsumer({ onCreate }: { onCreate: (id: string) => void }) {
  const [id, setId] = useState('');
  return (
    <form
      class="row"
      onSubmit={(e) => {
        e.preventDefault();
        if (id.trim()) onCreate(id.trim());
        setId('');
      }}
    >
      <label for="new-consumer">New consumer id</label>
      <input id="new-consumer" value={id} pattern="[A-Za-z0-9_.@:\-]{1,128}" onInput={(e) => setId(e.currentTarget.value)} />
      <button type="submit">Add consumer</button>
    </form>
  );
}

function NewKey({ secret, onClose }: { secret: { key: string; id: string; consumerId: string }; onClose: () => void }) {
  return (
    <div class="notice" role="dialog" aria-labelledby="new-key-title">
      <h2 id="new-key-title">New key for {secret.consumerId}</h2>
      <p>Copy it now: it is shown only once.</p>
      <label for="new-key-value">API key {secret.id}</label>
      <input id="new-key-value" class="secret" readOnly value={secret.key} onFocus={(e) => e.currentTarget.select()} />
      <button type="button" onClick={() => void navigator.clipboard?.writeText(secret.key)}>Copy</button>
      <button type="button" onClick={onClose}>Done</button>
    </div>
  );
}
