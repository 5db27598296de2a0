// A small OpenID Connect provider for tests: discovery, an authorization endpoint that signs in the
// user the test chose (no login form) and redirects back with a code, a token endpoint that checks the
// code, the client, the redirect URI and the PKCE verifier (S256) and returns an ID token signed with
// ES256, and the JWKS. CORS is open on discovery, token and JWKS, as browser-based clients need.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, SignJWT } from 'jose';

export interface TestUser {
  sub: string;
  name: string;
  roles: string[];
}

export interface OidcProvider {
  readonly issuer: string;
  /** Who the next authorization signs in. */
  user: TestUser;
  /** Token requests answered (and refused), for assertions. */
  readonly tokenRequests: { ok: boolean; reason?: string }[];
  /** An ID token for a user, as the token endpoint would issue it (options to break it). */
  mint(user: TestUser, options?: { audience?: string | string[]; issuer?: string; expiresIn?: string; claims?: Record<string, unknown>; typ?: string }): Promise<string>;
  close(): Promise<void>;
}

interface Grant {
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce: string | undefined;
  user: TestUser;
}

export async function startOidcProvider(clientId: string, redirectUris: string[]): Promise<OidcProvider> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' };
  const grants = new Map<string, Grant>();
  const tokenRequests: OidcProvider['tokenRequests'] = [];
  let issuer = '';
  const mint: OidcProvider['mint'] = (user, o = {}) =>
    new SignJWT({ name: user.name, roles: user.roles, ...o.claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'test-key', ...(o.typ ? { typ: o.typ } : {}) })
      .setIssuer(o.issuer ?? issuer)
      .setAudience(o.audience ?? clientId)
      .setSubject(user.sub)
      .setIssuedAt()
      .setExpirationTime(o.expiresIn ?? '5m')
      .sign(privateKey);
  const self = { user: { sub: 'alice', name: 'Alice Admin', roles: ['portcullis-admin'] }, tokenRequests, mint } as OidcProvider;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'access-control-allow-origin': '*', 'cache-control': 'no-store', ...headers });
    res.end(text);
  };
  const token = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const grant = grants.get(form.get('code') ?? '');
    grants.delete(form.get('code') ?? ''); // a code is good once
    const verifier = form.get('code_verifier') ?? '';
    const refuse = (reason: string) => {
      tokenRequests.push({ ok: false, reason });
      send(res, 400, { error: 'invalid_grant', error_description: reason });
    };
    if (form.get('grant_type') !== 'authorization_code') return refuse('grant_type');
    if (!grant) return refuse('unknown or used code');
    if (form.get('client_id') !== grant.clientId || form.get('redirect_uri') !== grant.redirectUri) return refuse('client or redirect_uri');
    if (createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) return refuse('PKCE verifier');
    const idToken = await new SignJWT({ name: grant.user.name, roles: grant.user.roles, ...(grant.nonce ? { nonce: grant.nonce } : {}) })
      .setProtectedHeader({ alg: 'ES256', kid: 'test-key' })
      .setIssuer(issuer)
      .setAudience(grant.clientId)
      .setSubject(grant.user.sub)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    tokenRequests.push({ ok: true });
    send(res, 200, { id_token: idToken, access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300 });
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'content-type' });
      return res.end();
    }
    if (url.pathname === '/.well-known/openid-configuration') {
      return send(res, 200, { issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`, response_types_supported: ['code'], code_challenge_methods_supported: ['S256'], id_token_signing_alg_values_supported: ['ES256'] });
    }
    if (url.pathname === '/jwks') return send(res, 200, { keys: [jwk] });
    if (url.pathname === '/token' && req.method === 'POST') return void token(req, res).catch(() => send(res, 500, { error: 'server_error' }));
    if (url.pathname === '/authorize') {
      const q = url.searchParams;
      const redirectUri = q.get('redirect_uri') ?? '';
      if (q.get('client_id') !== clientId || !redirectUris.includes(redirectUri)) return send(res, 400, { error: 'invalid_request', error_description: 'unknown client or redirect_uri' });
      const back = new URL(redirectUri);
      if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge') || !(q.get('scope') ?? '').split(' ').includes('openid')) {
        back.searchParams.set('error', 'invalid_request');
      } else {
        const code = randomBytes(16).toString('base64url');
        grants.set(code, { clientId, redirectUri, challenge: q.get('code_challenge')!, nonce: q.get('nonce') ?? undefined, user: self.user });
        back.searchParams.set('code', code);
      }
      if (q.get('state')) back.searchParams.set('state', q.get('state')!);
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    send(res, 404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(self, {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
