// The admin API's guard: each route answers the methods it lists (GET and HEAD unless it says
// otherwise) and, when a credential is configured (admin.token, admin.oidc), needs it
// (admin-credentials.ts). The caller found is kept for the routes that record who acted.
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../../core/errors.ts';
import type { AdminRoute } from '../admin.ts';
import type { AdminCredentials, AdminPrincipal } from '../admin-credentials.ts';
import { sendProblem } from './respond.ts';

const READ = ['GET', 'HEAD'];
const callers = new WeakMap<IncomingMessage, AdminPrincipal>();

/** Who called (undefined when no credential is configured: the API is open). */
export function callerOf(req: IncomingMessage): AdminPrincipal | undefined {
  return callers.get(req);
}

export function protect(credentials: AdminCredentials, route: AdminRoute, methods: readonly string[] = READ): AdminRoute {
  const allow = methods.join(', ');
  return async (req, res) => {
    if (!methods.includes(req.method ?? '')) {
      return sendProblem(res, new GatewayError('PCL_ERR_METHOD_NOT_ALLOWED', undefined, { headers: { allow } }));
    }
    if (credentials.configured) {
      try {
        callers.set(req, await credentials.check(req.headers.authorization));
      } catch (error) {
        if (error instanceof GatewayError) return sendProblem(res, error);
        throw error;
      }
    }
    return route(req, res);
  };
}
