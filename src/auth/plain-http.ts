// Key and token endpoints over plain http://: anyone on the path can read the tokens sent to an
// introspection endpoint, or swap a JWKS for their own keys and sign any token. Refused at load unless
// the host is loopback (nothing crosses a network) or the scheme says `allowInsecureHttp: true`.
import type { Logger } from 'pino';

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/** Whether `url` is http:// to a host other than loopback (`localhost`, 127.0.0.0/8, [::1]). */
export function insecureHttp(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false; // the schema's pattern and the fetch itself refuse what is not a URL
  }
  // The WHATWG parser normalises the host (`127.1` → `127.0.0.1`, upper case → lower case).
  return parsed.protocol === 'http:' && !LOOPBACK.test(parsed.hostname);
}

/**
 * Throws a config error for http:// to a non-loopback host, unless allowed, then warns once at load.
 * `where` names the option (`schemes.oauth.introspection.endpoint`); the URL is logged without its
 * query string, which may hold a secret.
 */
export function checkTransport(url: string, allowInsecureHttp: boolean, where: string, logger: Logger): void {
  if (!insecureHttp(url)) return;
  const host = new URL(url).host;
  if (!allowInsecureHttp) {
    throw new Error(`${where}: plain http:// to ${host} (not loopback) exposes tokens and keys on the network; use https://, or set allowInsecureHttp: true`);
  }
  logger.warn({ option: where, host }, 'allowInsecureHttp: keys or tokens travel over plain http to a non-loopback host');
}
