// The dashboard: a login screen until a credential is accepted (the admin token, or an ID token of
// the gateway's OpenID Connect provider), then pages chosen by the URL hash
// (#/events...) so the admin listener serves one index.html. Event fields are always rendered as
// text (Preact escapes them): attack payloads shown here never execute.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { getJson, onSessionChange, signOut, token } from './api.ts';
import { finishSignIn } from './oidc.ts';
import { Login } from './pages/Login.tsx';
import { Overview } from './pages/Overview.tsx';
import { Events } from './pages/Events.tsx';
import { Inventory } from './pages/Inventory.tsx';
import { Consumers } from './pages/Consumers.tsx';
import { Alerts } from './pages/Alerts.tsx';
import { Reports } from './pages/Reports.tsx';

const PAGES = [
  { path: 'overview', title: 'Overview', view: Overview },
  { path: 'events', title: 'Security events', view: Events },
  { path: 'inventory', title: 'Inventory', view: Inventory },
  { path: 'consumers', title: 'Consumers and keys', view: Consumers },
  { path: 'alerts', title: 'Anomalies and alerts', view: Alerts },
  { path: 'reports', title: 'Scan and audit reports', view: Reports },
] as const;

function currentRoute(): { page: string; query: URLSearchParams } {
  const hash = location.hash.replace(/^#\/?/, '');
  const [page = '', query = ''] = hash.split('?');
  return { page: page || 'overview', query: new URLSearchParams(query) };
}

function App() {
  const [signedIn, setSignedIn] = useState(token() !== null);
  const [route, setRoute] = useState(currentRoute());
  // Back from the provider's sign-in page: finished before the login screen shows.
  const [signInError, setSignInError] = useState<string | undefined>(/[?&](code|error)=/.test(location.search) ? undefined : '');
  const [user, setUser] = useState('');
  useEffect(() => onSessionChange(() => setSignedIn(token() !== null)), []);
  useEffect(() => {
    if (signInError === undefined) {
      void finishSignIn().then((error) => {
        setRoute(currentRoute()); // the page asked for before the round trip (put back without a hashchange)
        setSignInError(error ?? '');
      });
    }
  }, []);
  useEffect(() => {
    if (signedIn) getJson<{ user?: string }>('/api/session').then((s) => setUser(s.user ?? ''), () => setUser(''));
  }, [signedIn]);
  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const page = PAGES.find((p) => p.path === route.page) ?? PAGES[0];
  useEffect(() => {
    document.title = signedIn ? `${page.title} · Portcullis` : 'Sign in · Portcullis';
  }, [page, signedIn]);
  if (signInError === undefined) return <main class="login" id="main" aria-busy="true"><p>Signing in…</p></main>;
  if (!signedIn) return <Login initialError={signInError} />;
  const View = page.view;
  return (
    <div class="shell">
      <header class="top">
        <span class="brand">Portcullis</span>
        <nav aria-label="Pages">
          {PAGES.map((p) => (
            <a key={p.path} href={`#/${p.path}`} aria-current={p === page ? 'page' : undefined}>
              {p.title}
            </a>
          ))}
        </nav>
        {user && <span class="user" data-testid="signed-in-user">{user}</span>}
        <button type="button" class="link" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main">
        <h1>{page.title}</h1>
        <View query={route.query} />
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
