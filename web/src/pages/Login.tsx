// Signing in: with the gateway's OpenID Connect provider when admin.oidc is set, or with the admin
// token typed once per browser tab (sessionStorage), checked before it is kept.
import { useEffect, useState } from 'preact/hooks';
import { checkToken, signIn } from '../api.ts';
import { startSignIn, type ProviderInfo } from '../oidc.ts';

interface LoginOptions {
  token: boolean;
  oidc?: ProviderInfo;
  oidcUnavailable?: true;
}

export function Login({ initialError = '' }: { initialError?: string }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState(initialError);
  const [busy, setBusy] = useState(false);
  const [options, setOptions] = useState<LoginOptions | undefined>(undefined);
  useEffect(() => {
    fetch('/api/login-options', { credentials: 'omit', cache: 'no-store' })
      .then(async (res) => setOptions(res.ok ? ((await res.json()) as LoginOptions) : { token: true }))
      .catch(() => setOptions({ token: true }));
  }, []);
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
  const sso = async () => {
    setBusy(true);
    setError('');
    try {
      await startSignIn(options!.oidc!);
    } catch {
      setBusy(false);
      setError('The sign-in with the provider could not start.');
    }
  };
  const provider = options?.oidc;
  return (
    <main class="login" id="main">
      <h1>Portcullis dashboard</h1>
      {provider && (
        <button type="button" class="sso" onClick={sso} disabled={busy}>
          Sign in with {new URL(provider.issuer).host}
        </button>
      )}
      {options?.oidcUnavailable && <p class="hint">The single sign-on provider cannot be reached right now.</p>}
      {options && options.token && (
        <form onSubmit={submit}>
          <label for="token">Admin token</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required value={value} onInput={(e) => setValue(e.currentTarget.value)} />
          <button type="submit" disabled={busy}>
            Sign in
          </button>
        </form>
      )}
      {options && !options.token && !provider && !options.oidcUnavailable && <p class="hint">Sign-in is closed: set admin.token or admin.oidc in the gateway configuration.</p>}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <p class="hint">Your credential stays in this tab only and is sent as an Authorization header.</p>
    </main>
  );
}
