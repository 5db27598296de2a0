// The admin token: `Authorization: Bearer <token>` on /api/* and /metrics when admin.token is set.
// Compared in constant time (digests of equal length, so the token's length does not leak either).
// Every admin route answers GET and HEAD only.
import { createHash, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '../../core/errors.ts';
import type { AdminRoute } from '../admin.ts';
import { sendProblem } from './respond.ts';

const digest = (value: string) => createHash('sha256').update(value).digest();

export function protect(token: string | undefined, route: AdminRoute): AdminRoute {
  const expected = token === undefined ? undefined : digest(token);
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendProblem(res, new GatewayError('PCL_ERR_METHOD_NOT_ALLOWED', undefined, { headers: { allow: 'GET, HEAD' } }));
    }
    if (expected !== undefined) {
      const header = req.headers.authorization ?? '';
      const given = /^Bearer +(\S+)\s*$/i.exec(header)?.[1];
      if (given === undefined || !timingSafeEqual(digest(given), expected)) {
        return sendProblem(res, new GatewayError('PCL_ERR_UNAUTHENTICATED', 'The admin API needs the admin token: Authorization: Bearer <token>.', {
          headers: { 'www-authenticate': given === undefined ? 'Bearer realm="portcullis-admin"' : 'Bearer realm="portcullis-admin", error="invalid_token"' },
        }));
      }
    }
    return route(req, res);
  };
}
