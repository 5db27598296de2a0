// The admin API's guard: every route answers GET and HEAD only and, when a credential is configured
// (admin.token, admin.oidc), needs it (admin-credentials.ts).
import { GatewayError } from '../../core/errors.ts';
import type { AdminRoute } from '../admin.ts';
import type { AdminCredentials } from '../admin-credentials.ts';
import { sendProblem } from './respond.ts';

export function protect(credentials: AdminCredentials, route: AdminRoute): AdminRoute {
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendProblem(res, new GatewayError('PCL_ERR_METHOD_NOT_ALLOWED', undefined, { headers: { allow: 'GET, HEAD' } }));
    }
    if (credentials.configured) {
      try {
        await credentials.check(req.headers.authorization);
      } catch (error) {
        if (error instanceof GatewayError) return sendProblem(res, error);
        throw error;
      }
    }
    return route(req, res);
  };
}
