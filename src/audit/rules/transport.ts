// API8: servers reachable over plain HTTP.
import type { Rule } from '../types.ts';

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\]|0\.0\.0\.0)$/i;

/** The host of an absolute http:// or ws:// URL that is not loopback, else undefined. */
function plainHost(url: string): string | undefined {
  const m = /^(?:http|ws):\/\/([^/:?#]*|\[[^\]]*\])/i.exec(url.trim());
  if (!m) return undefined;
  const host = m[1]!;
  return LOOPBACK.test(host) || host.startsWith('{') ? undefined : host || '(empty host)';
}

export const serverHttp: Rule = {
  id: 'server-http',
  title: 'Server reachable over plain HTTP',
  severity: 'high',
  category: 'API8:2023',
  cwe: 319,
  why: 'Without TLS, credentials, tokens and personal data cross the network in clear text and anyone on the path can read or change them. Loopback URLs (localhost, 127.0.0.1) are left out.',
  fix: 'Serve the API over HTTPS only (`https://` server URLs, `schemes: [https]` in Swagger 2.0) and redirect or refuse plain HTTP.',
  check(model, report) {
    if (model.version === '2.0') {
      const schemes: unknown = model.root.schemes;
      if (Array.isArray(schemes)) {
        schemes.forEach((s, i) => {
          if ((s === 'http' || s === 'ws') && !LOOPBACK.test(String(model.root.host ?? '').split(':')[0] ?? '')) {
            report(['schemes', i], `The API is served over ${s}:// (schemes).`);
          }
        });
      }
      return;
    }
    for (const server of model.servers) {
      const url = typeof server.node.url === 'string' ? server.node.url : '';
      let host = plainHost(url);
      if (!host && /^\{[^}]+\}:\/\//.test(url)) {
        const variable = /^\{([^}]+)\}/.exec(url)![1]!;
        const v = server.node.variables?.[variable];
        const values: unknown[] = [v?.default, ...(Array.isArray(v?.enum) ? v.enum : [])];
        if (values.some((x) => x === 'http' || x === 'ws')) host = url;
      }
      if (host) report([...server.path, 'url'], `Server ${url} is plain HTTP.`);
    }
  },
};

const FLOW_URLS = ['authorizationUrl', 'tokenUrl', 'refreshUrl'] as const;

export const authUrlHttp: Rule = {
  id: 'auth-url-http',
  title: 'OAuth 2 or OpenID Connect endpoint over plain HTTP',
  severity: 'high',
  category: 'API2:2023',
  cwe: 319,
  why: 'The token endpoint receives client secrets, passwords, authorization codes and refresh tokens and answers with access tokens; the authorization endpoint and the OpenID Connect discovery document tell clients where to send users and which keys to trust. Over plain HTTP anyone on the path can read the credentials or swap the endpoints for their own. RFC 6749 requires TLS for these endpoints. Loopback URLs are left out.',
  fix: 'Use `https://` for `authorizationUrl`, `tokenUrl`, `refreshUrl` and `openIdConnectUrl`.',
  check(model, report) {
    for (const [name, { node: scheme, path }] of model.securitySchemes) {
      const check = (url: unknown, at: (string | number)[], what: string): void => {
        if (typeof url === 'string' && plainHost(url)) report(at, `Security scheme "${name}": ${what} ${url} is plain HTTP.`);
      };
      if (scheme.type === 'openIdConnect') check(scheme.openIdConnectUrl, [...path, 'openIdConnectUrl'], 'openIdConnectUrl');
      if (scheme.type !== 'oauth2') continue;
      if (model.version === '2.0') {
        for (const key of FLOW_URLS) check(scheme[key], [...path, key], key);
        continue;
      }
      const flows: unknown = scheme.flows;
      if (flows === null || typeof flows !== 'object' || Array.isArray(flows)) continue;
      for (const [flowName, flow] of Object.entries(flows as Record<string, unknown>)) {
        if (flow === null || typeof flow !== 'object') continue;
        for (const key of FLOW_URLS) check((flow as Record<string, unknown>)[key], [...path, 'flows', flowName, key], `the ${flowName} flow's ${key}`);
      }
    }
  },
};
