// DNS rebinding guard for an admin listener without credentials: a web page the operator opens can
// point a name of its own at 127.0.0.1 and read the admin API as same-origin. Such a request carries
// the page's host name in Host; an IP literal, `localhost` (RFC 6761: never resolved by outside DNS)
// or the configured admin host cannot be a rebound name, anything else is refused.
import { isIP } from 'node:net';

export function safeAdminHost(host: string | undefined, adminHost: string): boolean {
  if (host === undefined) return true; // HTTP/1.0 without Host: not a browser
  const name = hostname(host).toLowerCase();
  if (name === '') return false;
  if (isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost')) return true;
  return name === adminHost.toLowerCase();
}

/** The host name of a Host header value: without the port, an IPv6 literal without its brackets. */
function hostname(host: string): string {
  const h = host.trim();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? '' : h.slice(1, end);
  }
  const colon = h.indexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}
