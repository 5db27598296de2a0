// Host parsing as URL libraries and resolvers do it: IPv4 in decimal, octal and hex parts
// (`0x7f.1`, `017700000001`, `2130706433`), IPv6 with embedded IPv4, and the ranges SSRF aims at.

export type HostKind = 'metadata' | 'loopback' | 'private' | 'link-local' | 'unspecified' | 'public';

function parsePart(p: string): number | null {
  if (p === '') return null;
  if (/^0x[0-9a-f]{0,32}$/i.test(p)) return p.length === 2 ? 0 : Number.parseInt(p.slice(2).slice(-8), 16);
  if (/^0[0-7]{1,32}$/.test(p)) return Number.parseInt(p, 8);
  if (/^[0-9]{1,20}$/.test(p)) return Number(p);
  return null;
}

/** IPv4 as the WHATWG URL parser reads it (1 to 4 parts; the last fills the remaining bytes).
 *  Values wider than the space are reduced modulo 2^32, as some resolvers do. */
export function parseIpv4(host: string): number | null {
  const parts = host.split('.');
  if (parts.length > 4 || parts.length === 0) return null;
  const nums: number[] = [];
  for (const p of parts) {
    const n = parsePart(p);
    if (n === null) return null;
    nums.push(n);
  }
  let ip = 0;
  for (let i = 0; i < nums.length - 1; i++) {
    if (nums[i]! > 255) return null;
    ip = ip * 256 + nums[i]!;
  }
  const rest = 4 - (nums.length - 1);
  return (ip * 256 ** rest + (nums[nums.length - 1]! % 256 ** rest)) >>> 0;
}

export function classifyIpv4(ip: number): HostKind {
  const a = ip >>> 24;
  const b = (ip >>> 16) & 255;
  if (ip === 0xa9fea9fe || ip === 0x646464c8 || ip === 0xc00000c0 || ip === 0xa9fea9fd) return 'metadata';
  if (a === 127) return 'loopback';
  if (ip === 0) return 'unspecified';
  if (a === 10 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b < 128) || a === 0) return 'private';
  if (a === 169 && b === 254) return 'link-local';
  return 'public';
}

/** IPv6 (without brackets, zone id removed): returns a kind, or null when not an address. */
export function classifyIpv6(host: string): HostKind | null {
  let h = host.toLowerCase();
  const zone = h.indexOf('%');
  if (zone >= 0) h = h.slice(0, zone);
  if (!/^[0-9a-f:.]{2,64}$/.test(h) || !h.includes(':')) return null;
  // Embedded IPv4 (`::ffff:169.254.169.254`, `::127.0.0.1`).
  const v4 = /:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(h);
  let groups: number[];
  const split = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  let body = h;
  let tail: number[] = [];
  if (v4) {
    const ip = parseIpv4(v4[1]!);
    if (ip === null) return null;
    tail = [ip >>> 16, ip & 0xffff];
    body = h.slice(0, v4.index + 1);
    if (body.endsWith(':') && !body.endsWith('::')) body = body.slice(0, -1);
  }
  const dbl = body.indexOf('::');
  if (dbl >= 0) {
    const left = split(body.slice(0, dbl));
    const right = [...split(body.slice(dbl + 2)), ...tail];
    const fill = 8 - left.length - right.length;
    if (fill < 0) return null;
    groups = [...left, ...new Array(fill).fill(0), ...right];
  } else groups = [...split(body), ...tail];
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g) || g > 0xffff)) return null;
  const [g0, , , , , g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  const zeroPrefix = groups.slice(0, 5).every((g) => g === 0);
  if (zeroPrefix && (g5 === 0xffff || g5 === 0) && (g6 !== 0 || g7 > 1)) return classifyIpv4(((g6 << 16) | g7) >>> 0);
  if (groups.every((g) => g === 0)) return 'unspecified';
  if (groups.slice(0, 7).every((g) => g === 0) && g7 === 1) return 'loopback';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xfe00) === 0xfc00) return g0 === 0xfd00 && groups[1] === 0xec2 ? 'metadata' : 'private';
  // Anything else spelled as a literal address in a URL parameter is still a direct-IP request.
  return 'public';
}
