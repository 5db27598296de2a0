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
