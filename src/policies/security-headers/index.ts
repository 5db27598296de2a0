// Safe response headers for API responses, the gateway's own errors included, and removal of the
// headers that fingerprint the upstream's stack.
import type { PolicyFactory, ResponseHead } from '../../core/policy.ts';
import { securityHeadersSchema, type SecurityHeadersConfig } from './schema.ts';

export const securityHeaders: PolicyFactory<SecurityHeadersConfig> = {
  name: 'security-headers',
  phase: 'proxy',
  defaultOn: true,
  description: 'Adds nosniff, no-store, frame and referrer protections to responses; strips Server, X-Powered-By and similar.',
  schema: securityHeadersSchema,
  create(config) {
    const always: [string, string][] = [];
    const ifAbsent: [string, string][] = [];
    if (config.contentTypeOptions) always.push(['x-content-type-options', config.contentTypeOptions]);
    if (config.frameOptions) always.push(['x-frame-options', config.frameOptions]);
    if (config.referrerPolicy) always.push(['referrer-policy', config.referrerPolicy]);
    if (config.crossOriginResourcePolicy) always.push(['cross-origin-resource-policy', config.crossOriginResourcePolicy]);
    if (config.cacheControl) ifAbsent.push(['cache-control', config.cacheControl]);
    if (config.contentSecurityPolicy) ifAbsent.push(['content-security-policy', config.contentSecurityPolicy]);
    const remove = config.removeHeaders.map((h) => h.toLowerCase());
    return {
      onResponseHead(_ctx, head: ResponseHead) {
        const h = head.headers;
        for (const name of remove) if (h[name] !== undefined) delete h[name];
        for (const [name, value] of always) h[name] = value;
        for (const [name, value] of ifAbsent) if (h[name] === undefined) h[name] = value;
      },
    };
  },
};
