// Who the client is, and which request id it gets. Headers set by a client are believed only when the
// direct peer is a trusted proxy; walking X-Forwarded-For from the right stops at the first untrusted
// hop and never looks at more than MAX_HOPS entries, so a huge header costs bounded time. The address
// is put in one spelling (canonicalIp): on a dual-stack listener an IPv4 peer arrives as
// "::ffff:203.0.113.7", and a block or a rate limit on 203.0.113.7 must find it all the same.
import { randomUUID } from 'node:crypto';
import { canonicalIp } from '../observe/anomaly/subnet.ts';
import type { AddressList } from '../policies/ip-filter/cidr.ts';

const MAX_HOPS = 16;
const REQUEST_ID = /^[A-Za-z0-9._:@+=/-]{1,128}$/;

export function clientAddress(rawPeer: string, xff: string | undefined, trusted: AddressList): string {
  const peer = canonicalIp(rawPeer);
  if (trusted.size === 0 || xff === undefined || !trusted.has(peer)) return peer;
  let end = xff.length;
  for (let hops = 0; hops < MAX_HOPS && end > 0; hops++) {
    const start = xff.lastIndexOf(',', end - 1);
    const hop = canonicalIp(xff.slice(start + 1, end).trim());
    if (hop === '') break;
    if (!trusted.has(hop)) return hop;
    end = start === -1 ? 0 : start;
  }
  return peer;
}

export function requestId(incoming: string | undefined, peerTrusted: boolean): string {
  return peerTrusted && incoming !== undefined && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}
