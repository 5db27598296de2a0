import { durationSchema } from '../../config/units.ts';

const list = (description: string, dflt: string[]) => ({ type: 'array', items: { type: 'string' }, default: dflt, description });

export const corsSchema = {
  properties: {
    allowOrigins: list('Origins allowed to call from a browser: exact ("https://app.example.com"), one-level wildcard ("https://*.example.com"), or "*" (only without credentials). Empty: no cross-origin access.', []),
    allowMethods: list('Methods a preflight may ask for.', ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']),
    allowHeaders: list('Request headers a preflight may ask for.', ['authorization', 'content-type', 'x-api-key', 'x-request-id']),
    exposeHeaders: list('Response headers scripts may read.', ['x-request-id', 'ratelimit', 'ratelimit-policy', 'retry-after']),
    allowCredentials: { type: 'boolean', default: false, description: 'Allow cookies and HTTP authentication. Never combined with "*".' },
    maxAge: { ...durationSchema, default: '10m', description: `How long browsers may cache a preflight. ${durationSchema.description}` },
    rejectDisallowedOrigins: { type: 'boolean', default: true, description: 'Refuse (403) any request whose Origin is neither allowed nor the gateway itself, instead of only withholding CORS headers.' },
  },
} as const;

export interface CorsConfig {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  allowCredentials: boolean;
  maxAge: number | string;
  rejectDisallowedOrigins: boolean;
}
