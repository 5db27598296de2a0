// Authentication of API calls (Authorization: Bearer <jwt> or X-API-Key) and the admin role check.
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http.ts';
import { scopesFor } from './issuer.ts';
import type { App, Principal, Role } from './types.ts';

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="portcullis-demo"' };

function unauthorized(code: string, message: string): HttpError {
  return new HttpError(401, code, message, CHALLENGE);
}

function principalOf(app: App, id: number, via: Principal['via']): Principal | undefined {
  const row = app.db.get('SELECT id, username, role FROM users WHERE id = ?', id);
  if (!row) return undefined;
  const role = row.role as Role;
  return { userId: Number(row.id), username: String(row.username), role, via, scopes: scopesFor(role) };
}

export async function authenticate(app: App, req: IncomingMessage): Promise<Principal> {
  const key = req.headers['x-api-key'];
  if (typeof key === 'string' && key !== '') {
    const row = app.db.get('SELECT id FROM users WHERE api_key = ?', key);
    const principal = row ? principalOf(app, Number(row.id), 'apiKey') : undefined;
    if (!principal) throw unauthorized('invalid_api_key', 'The API key is not valid.');
    return principal;
  }
  const header = req.headers.authorization;
  if (!header) throw unauthorized('unauthenticated', 'Send "Authorization: Bearer <token>" or "X-API-Key: <key>".');
  const match = /^Bearer +([A-Za-z0-9._~+/=-]+)$/i.exec(header);
  if (!match) throw unauthorized('invalid_token', 'The Authorization header must be "Bearer <token>".');
  let sub: string;
  try {
    sub = (await app.issuer.verify(match[1]!)).sub;
  } catch (error) {
    const claim = (error as { claim?: string }).claim;
    const reason = (error as { code?: string }).code === 'ERR_JWT_EXPIRED' ? 'expired' : claim ? `invalid "${claim}" claim` : 'invalid';
    throw unauthorized('invalid_token', `The token is ${reason}.`);
  }
  const principal = /^[0-9]{1,9}$/.test(sub) ? principalOf(app, Number(sub), 'jwt') : undefined;
  if (!principal) throw unauthorized('invalid_token', 'The token names no known user.');
  return principal;
}

export function requireAdmin(principal: Principal): void {
  if (principal.role !== 'admin') throw new HttpError(403, 'forbidden', 'This operation needs the admin role.');
}
