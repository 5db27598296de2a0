// CORS that is strict by default: no origin is allowed until listed, "*" cannot be combined with
// credentials (a config error), the allowed origin is echoed only after it matched the list, and
// preflights are answered by the gateway without reaching the upstream.
import { GatewayError } from '../../core/errors.ts';
import type { RequestContext } from '../../core/context.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { toMs } from '../../config/units.ts';
import { compileOrigins } from './origins.ts';
import { corsSchema, type CorsConfig } from './schema.ts';

export const cors: PolicyFactory<CorsConfig> = {
  name: 'cors',
  phase: 'route',
  description: 'Cross-origin resource sharing for browser clients; answers preflights itself.',
  schema: corsSchema,
  create(config) {
    const origins = compileOrigins(config.allowOrigins);
    if (origins.any && config.allowCredentials) {
      throw new Error('allowOrigins "*" cannot be combined with allowCredentials: list the origins instead');
    }
    const methods = new Set(config.allowMethods.map((m) => m.toUpperCase()));
    const headers = new Set(config.allowHeaders.map((h) => h.toLowerCase()));
    const allowMethods = [...methods].join(', ');
    const allowHeaders = [...headers].join(', ');
    const exposeHeaders = config.exposeHeaders.join(', ');
    const maxAge = String(Math.floor(toMs(config.maxAge) / 1000));
    const enforce = config.mode === 'enforce';

    const allowedOrigin = (ctx: RequestContext): string | undefined => {
      const origin = ctx.req.headers.origin;
      if (origin === undefined) return undefined;
      if (origin !== 'null' && origins.matches(origin)) return origins.any ? '*' : origin;
      return undefined;
    };

    return {
      onRequest(ctx) {
        const origin = ctx.req.headers.origin;
        if (origin === undefined || !config.rejectDisallowedOrigins) return;
        if (allowedOrigin(ctx) === undefined && !isSameOrigin(ctx, origin)) throw new GatewayError('PCL_ERR_CORS_ORIGIN');
      },
      intercept(ctx) {
        const { req, res } = ctx;
        const method = req.headers['access-control-request-method'];
        if (req.method !== 'OPTIONS' || method === undefined || req.headers.origin === undefined) return false;
        const origin = allowedOrigin(ctx);
        const requested = (req.headers['access-control-request-headers'] ?? '')
          .split(',')
          .map((h) => h.trim().toLowerCase())
          .filter(Boolean);
        const ok = origin !== undefined && methods.has(method.toUpperCase()) && requested.every((h) => headers.has(h));
        if (!ok) {
          ctx.record('cors', enforce ? 'deny' : 'report', 'PCL_ERR_CORS_ORIGIN');
          if (enforce) throw new GatewayError('PCL_ERR_CORS_ORIGIN', 'This cross-origin request is not allowed.');
          return false;
        }
        res.writeHead(204, {
          'access-control-allow-origin': origin,
          'access-control-allow-methods': allowMethods,
          'access-control-allow-headers': allowHeaders,
          'access-control-max-age': maxAge,
          ...(config.allowCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
          vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
        });
        res.end();
        return true;
      },
      onResponseHead(ctx, head) {
        // Whatever the upstream said about CORS is replaced by this policy's answer.
        for (const name of Object.keys(head.headers)) if (name.startsWith('access-control-')) delete head.headers[name];
        head.headers.vary = appendVary(head.headers.vary, 'Origin');
        const origin = allowedOrigin(ctx);
        if (origin === undefined) return;
        head.headers['access-control-allow-origin'] = origin;
        if (config.allowCredentials) head.headers['access-control-allow-credentials'] = 'true';
        if (exposeHeaders) head.headers['access-control-expose-headers'] = exposeHeaders;
      },
    };
  },
};

function isSameOrigin(ctx: RequestContext, origin: string): boolean {
  const host = ctx.req.headers.host;
  return host !== undefined && (origin === `https://${host}` || origin === `http://${host}`);
}

function appendVary(current: string | string[] | undefined, value: string): string {
  const text = Array.isArray(current) ? current.join(', ') : (current ?? '');
  if (text === '') return value;
  return text.split(',').some((v) => v.trim().toLowerCase() === value.toLowerCase()) ? text : `${text}, ${value}`;
}
