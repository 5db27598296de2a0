// The network a client address belongs to, as a CIDR string ("203.0.113.0/24", "2001:db8:1:2::/64"),
// so that one attacker rotating addresses within a subnet counts as one. IPv4-mapped IPv6 addresses
// count as the IPv4 address they carry. Anything that is not an IP address is returned unchanged.
import { isIP } from 'node:net';
import { unmapIpv4 } from '../../policies/ip-filter/cidr.ts';

export function subnetOf(address: string, ipv4Prefix: number, ipv6Prefix: number): string {
  const plain = unmapIpv4(address);
  const family = isIP(plain);
  if (family === 4) return `${maskIpv4(plain, ipv4Prefix)}/${ipv4Prefix}`;
  if (family === 6) return `${maskIpv6(plain, ipv6Prefix)}/${ipv6Prefix}`;
  return address;
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
