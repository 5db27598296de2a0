// Single sign-on with the gateway's OpenID Connect provider (admin.oidc): the authorization code flow
// with PKCE (S256), a state and a nonce, all kept in this tab's sessionStorage for the round trip.
// The ID token the provider returns becomes the dashboard's credential; the gateway verifies its
// signature, issuer, audience and roles on every call, this page only checks state and nonce.
import { signIn } from './api.ts';

export interface ProviderInfo {
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
}

interface Flow {
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
  readonly redirectUri: string;
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly hash: string;
}

const FLOW_KEY = 'portcullis.oidcFlow';

function randomString(bytes: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64url(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Sends the browser to the provider's sign-in page. */
export async function startSignIn(provider: ProviderInfo): Promise<void> {
  const verifier = randomString(32);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const flow: Flow = { verifier, state: randomString(16), nonce: randomString(16), redirectUri: `${location.origin}${location.pathname}`, tokenEndpoint: provider.tokenEndpoint, clientId: provider.clientId, hash: location.hash };
  sessionStorage.setItem(FLOW_KEY, JSON.stringify(flow));
  const url = new URL(provider.authorizationEndpoint);
  const params = { response_type: 'code', client_id: provider.clientId, redirect_uri: flow.redirectUri, scope: provider.scopes.join(' '), state: flow.state, nonce: flow.nonce, code_challenge: challenge, code_challenge_method: 'S256' };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  location.assign(url.href);
}

/**
 * When the URL carries the provider's answer, exchanges the code for an ID token and signs in with it.
 * Returns undefined when there was nothing to finish, null when signed in, else what went wrong.
 */
export async function finishSignIn(): Promise<string | null | undefined> {
  const answer = new URLSearchParams(location.search);
  if (!answer.has('code') && !answer.has('error')) return undefined;
  const saved = sessionStorage.getItem(FLOW_KEY);
  sessionStorage.removeItem(FLOW_KEY);
  const flow = saved === null ? undefined : (JSON.parse(saved) as Flow);
  // The code leaves the address bar (and the history) at once.
  history.replaceState(null, '', `${location.pathname}${flow?.hash ?? ''}`);
  if (answer.has('error')) return 'The provider refused the sign-in.';
  if (!flow || answer.get('state') !== flow.state) return 'This sign-in answer was not asked for by this tab. Try again.';
  let idToken: unknown;
  try {
    const res = await fetch(flow.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: answer.get('code') ?? '', redirect_uri: flow.redirectUri, client_id: flow.clientId, code_verifier: flow.verifier }),
      credentials: 'omit',
      cache: 'no-store',
    });
    if (!res.ok) return 'The provider did not issue a token.';
    idToken = ((await res.json()) as { id_token?: unknown }).id_token;
  } catch {
    return 'The provider cannot be reached.';
  }
  if (typeof idToken !== 'string' || nonceOf(idToken) !== flow.nonce) return 'The provider answered with an unexpected token.';
  const check = await fetch('/api/session', { headers: { authorization: `Bearer ${idToken}` }, credentials: 'omit', cache: 'no-store' });
  if (check.status === 403) return 'You are signed in at the provider, but none of your roles is allowed on this gateway.';
  if (!check.ok) return 'The gateway refused the token of the provider.';
  signIn(idToken);
  return null;
}

function nonceOf(jwt: string): unknown {
  try {
    const payload = jwt.split('.')[1] ?? '';
    return (JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { nonce?: unknown }).nonce;
  } catch {
    return undefined;
  }
}
