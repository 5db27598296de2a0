// The admin token, typed once per browser tab (sessionStorage), checked before it is kept.
import { useState } from 'preact/hooks';
import { checkToken, signIn } from '../api.ts';

export function Login() {
  const [value, setValue] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      if (await checkToken(value.trim())) signIn(value.trim());
      else setError('This token was refused. Use the admin.token of the gateway configuration.');
    } catch {
      setError('The admin listener cannot be reached.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login" id="main">
      <h1>Portcullis dashboard</h1>
      <form onSubmit={submit}>
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
      </form>
      <p class="hint">The token stays in this tab only and is sent as an Authorization header.</p>
    </main>
  );
}
