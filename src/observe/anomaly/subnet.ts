// The network a client address belongs to, as a CIDR string ("203.0.113.0/24", "2001:db8:1:2::/64"),
// so that one attacker rotating addresses within a subnet counts as one. IPv4-mapped IPv6 addresses
// count as the IPv4 address they carry. Anything that is not an IP address is returned unchanged.
// Also the keys every per-client protection counts and blocks by (clientKey, clientBlockKey).
import { isIP } from 'node:net';
import { unmapIpv4 } from '../../policies/ip-filter/cidr.ts';

export function subnetOf(address: string, ipv4Prefix: number, ipv6Prefix: number): string {
  const plain = unmapIpv4(address);
  const family = isIP(plain);
  if (family === 4) return `${maskIpv4(plain, ipv4Prefix)}/${ipv4Prefix}`;
  if (family === 6) return `${maskIpv6(plain, ipv6Prefix)}/${ipv6Prefix}`;
  return address;
}

/**
 * The network an IPv6 client is counted and blocked as. A /64 is the smallest network an end site
 * gets (one LAN; SLAAC and privacy addresses rotate freely inside it), so every address in it is the
 * same client: keying the exact address would give one customer 2^64 fresh identities.
 */
export const CLIENT_IPV6_PREFIX = 64;

/**
 * An IP address in one spelling, so that a block or a counter finds it however it was written:
 * IPv4-mapped IPv6 as the IPv4 address, other IPv6 lower-case and compressed (RFC 5952), a zone id
 * kept as it is. Anything that is not an IP address is returned unchanged.
 */
export function canonicalIp(address: string): string {
  if (!address.includes(':')) return address; // IPv4 (isIP takes only the dotted-decimal form) or no address
  // Every request of an IPv6 client asks again (its peer address, X-Forwarded-For hops): remembered.
  let canonical = canonicalCache.get(address);
  if (canonical === undefined) {
    canonical = canonicalize(address);
    if (canonicalCache.size >= MAX_CACHED_ADDRESSES) canonicalCache.clear();
    canonicalCache.set(address, canonical);
  }
  return canonical;
}

const MAX_CACHED_ADDRESSES = 4096;
const canonicalCache = new Map<string, string>();

function canonicalize(address: string): string {
  if (isIP(address) !== 6) return address;
  const zone = address.indexOf('%');
  const groups = expandIpv6(zone < 0 ? address : address.slice(0, zone));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `${groups[6]! >>> 8}.${groups[6]! & 255}.${groups[7]! >>> 8}.${groups[7]! & 255}`;
  }
  return compressIpv6(groups) + (zone < 0 ? '' : address.slice(zone));
}

/**
 * What per-client protections (lockouts, rate limits, anomaly detection) count a client address as:
 * an IPv4 address as itself, an IPv6 one as its /64 network ("2001:db8:1:2::/64").
 */
export function clientKey(address: string): string {
  if (!address.includes(':')) return address;
  const plain = canonicalIp(address);
  return isIP(plain) === 6 ? subnetOf(plain, 32, CLIENT_IPV6_PREFIX) : plain;
}

/** The block key for an anonymous client: "ip:<IPv4 address>", or "net:<its /64>" for IPv6 (block-key.ts). */
export function clientBlockKey(address: string): string {
  if (!address.includes(':')) return `ip:${address}`;
  const plain = canonicalIp(address);
  return isIP(plain) === 6 ? `net:${subnetOf(plain, 32, CLIENT_IPV6_PREFIX)}` : `ip:${plain}`;
}

function maskIpv4(address: string, prefix: number): string {
  const parts = address.split('.').map(Number);
  const value = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  const masked = prefix === 0 ? 0 : (value & (0xffffffff << (32 - prefix))) >>> 0;
  return `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}`;
}

function maskIpv6(address: string, prefix: number): string {
  const groups = expandIpv6(address.split('%')[0]!);
  for (let i = 0; i < 8; i++) {
    const keep = Math.max(0, Math.min(16, prefix - i * 16));
    groups[i] = keep === 0 ? 0 : groups[i]! & ((0xffff << (16 - keep)) & 0xffff);
  }
  return compressIpv6(groups);
}

/** Eight 16-bit groups of a valid IPv6 address (an embedded IPv4 tail included). */
function expandIpv6(address: string): number[] {
  let text = address;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [, a, b, c, d] = v4.map(Number);
    text = `${text.slice(0, v4.index)}${((a! << 8) | b!).toString(16)}:${((c! << 8) | d!).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** RFC 5952 text: lowercase, the longest run of zero groups (two or more) as "::". */
function compressIpv6(groups: number[]): string {
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best === -1) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}
