// Who the client is, and which request id it gets. Headers set by a client are believed only when the
// direct peer is a trusted proxy; walking X-Forwarded-For from the right stops at the first untrusted
// hop and never looks at more than MAX_HOPS entries, so a huge header costs bounded time. The address
// is put in one spelling (canonicalIp): on a dual-stack listener an IPv4 peer arrives as
// "::ffff:203.0.113.7", and a block or a rate limit on 203.0.113.7 must find it all the same.
import { randomFillSync } from 'node:crypto';
import { isIP } from 'node:net';
import { canonicalIp } from '../observe/anomaly/subnet.ts';
import type { AddressList } from '../policies/ip-filter/cidr.ts';

const MAX_HOPS = 16;
const REQUEST_ID = /^[A-Za-z0-9._:@+=/-]{1,128}$/;

export function clientAddress(rawPeer: string, xff: string | undefined, trusted: AddressList): string {
  const peer = canonicalIp(rawPeer);
  if (trusted.size === 0 || xff === undefined || !trusted.has(peer)) return peer;
  let end = xff.length;
  let lastTrusted = peer;
  for (let hops = 0; hops < MAX_HOPS && end > 0; hops++) {
    const start = xff.lastIndexOf(',', end - 1);
    const hop = hopAddress(xff.slice(start + 1, end).trim());
    // Not an address ("unknown", an obfuscated name): the last trusted hop is all that is known.
    if (hop === undefined) break;
    if (!trusted.has(hop)) return hop;
    lastTrusted = hop;
    end = start === -1 ? 0 : start;
  }
  return lastTrusted;
}

/**
 * An X-Forwarded-For entry as an address, or undefined. Some proxies write the client's port too
 * ("203.0.113.7:51234", "[2001:db8::1]:443"): kept, it would make each connection a new client for
 * rate limits and blocks.
 */
function hopAddress(text: string): string | undefined {
  if (isIP(text) !== 0) return canonicalIp(text);
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed !== null) return isIP(bracketed[1]!) === 6 ? canonicalIp(bracketed[1]!) : undefined;
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(text);
  return withPort !== null && isIP(withPort[1]!) === 4 ? withPort[1]! : undefined;
}

export function requestId(incoming: string | undefined, peerTrusted: boolean): string {
  return peerTrusted && incoming !== undefined && REQUEST_ID.test(incoming) ? incoming : newRequestId();
}

// Random (version 4) UUIDs, as crypto.randomUUID makes them, from a pool of random bytes filled 256
// ids at a time; each is spelled into a small buffer and read out as one flat string (randomUUID
// concatenates 20 pieces per id, on every request).
const IDS_PER_FILL = 256;
const entropy = Buffer.allocUnsafe(16 * IDS_PER_FILL);
let nextId = IDS_PER_FILL;
const spelled = Buffer.from('00000000-0000-4000-8000-000000000000', 'latin1');
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** Where each random byte's two hex digits go in the spelled UUID. */
const AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

export function newRequestId(): string {
  if (nextId === IDS_PER_FILL) {
    randomFillSync(entropy);
    nextId = 0;
  }
  const from = 16 * nextId++;
  for (let i = 0; i < 16; i++) {
    let byte = entropy[from + i]!;
    if (i === 6) byte = (byte & 0x0f) | 0x40; // version 4
    else if (i === 8) byte = (byte & 0x3f) | 0x80; // RFC 9562 variant
    spelled[AT[i]!] = HEX[byte >> 4]!;
    spelled[AT[i]! + 1] = HEX[byte & 15]!;
  }
  return spelled.toString('latin1', 0, 36);
}
