const header = (description: string, dflt: string | false) => ({ type: ['string', 'boolean'], not: { const: true }, default: dflt, description: `${description} false: do not set.` });

export const securityHeadersSchema = {
  properties: {
    contentTypeOptions: header('X-Content-Type-Options.', 'nosniff'),
    cacheControl: header('Cache-Control, when the upstream sent none.', 'no-store'),
    frameOptions: header('X-Frame-Options.', 'DENY'),
    contentSecurityPolicy: header('Content-Security-Policy, when the upstream sent none.', "frame-ancestors 'none'"),
    referrerPolicy: header('Referrer-Policy.', 'no-referrer'),
    crossOriginResourcePolicy: header('Cross-Origin-Resource-Policy.', 'same-origin'),
    removeHeaders: {
      type: 'array',
      items: { type: 'string' },
      default: ['server', 'x-powered-by', 'x-aspnet-version', 'x-aspnetmvc-version', 'x-runtime', 'x-version', 'x-generator', 'via'],
      description: 'Upstream response headers that reveal the stack and are removed.',
    },
  },
} as const;

export interface SecurityHeadersConfig {
  contentTypeOptions: string | false;
  cacheControl: string | false;
  frameOptions: string | false;
  contentSecurityPolicy: string | false;
  referrerPolicy: string | false;
  crossOriginResourcePolicy: string | false;
  removeHeaders: string[];
}
