// The admin API (/api/...) needs `Authorization: Bearer <admin.token>`: a header, never a cookie, so a
// page on another origin cannot make the operator's browser call it (no CSRF). Without a configured
// token the API is closed. The comparison is constant-time (SHA-256 of both sides).
import { createHash, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '../core/errors.ts';
import type { AdminHandler } from './admin-keys.ts';

const CHALLENGE = { 'www-authenticate': 'Bearer realm="portcullis-admin"' };

export function requireAdminToken(token: string | undefined): AdminHandler {
  const expected = token === undefined || token === '' ? undefined : digest(token);
  return (req, _res, path) => {
    if (!path.startsWith('/api/')) return false;
    if (!expected) throw new GatewayError('PCL_ERR_UNAUTHENTICATED', 'the admin API is closed: set admin.token', { headers: CHALLENGE });
    const header = req.headers.authorization ?? '';
    const m = /^Bearer +(\S{1,512})$/i.exec(header);
    if (!m || !timingSafeEqual(digest(m[1]!), expected)) throw new GatewayError('PCL_ERR_UNAUTHENTICATED', 'a valid admin token is required', { headers: CHALLENGE });
    return false;
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
