// What a block key names, as the admin API shows and accepts it: "ip:<address>", "net:<cidr>",
// "consumer:<id>", "subject:<qualified subject>" (a caller without a consumer id: its subject
// qualified by auth method and issuer, "jwt https://idp.example alice"). A network is put in canonical form ("net:203.0.113.7/24" is 203.0.113.0/24, the
// key the detectors write), and so is an address ("ip:2001:DB8:0::1" is 2001:db8::1, "ip:::ffff:
// 203.0.113.7" is 203.0.113.7: the spelling client addresses have), so a lift or a manual block finds
// the same entry the check looks up.
import { isIP } from 'node:net';
import { bounded } from '../../core/bounded.ts';
import { unmapIpv4 } from '../../policies/ip-filter/cidr.ts';
import { canonicalIp, subnetOf } from './subnet.ts';

export type BlockKind = 'ip' | 'network' | 'consumer' | 'subject';

export interface BlockKey {
  readonly key: string;
  readonly kind: BlockKind;
  readonly value: string;
}

const CALLER = /^[^\u0000-\u001f\u007f]{1,200}$/;

/**
 * The key that blocks an authenticated caller: "consumer:<id>" for a consumer id, else
 * "subject:<qualified subject>" (already bounded, auth/identity.ts); undefined without either. Two
 * kinds, so a token whose `sub` is some consumer's id never gets that consumer blocked. Long or odd
 * ids are hashed (core/bounded.ts), so every key parses.
 */
export function callerBlockKey(consumerId: string | null | undefined, qualifiedSubject: string | null | undefined): string | undefined {
  if (consumerId !== null && consumerId !== undefined) return `consumer:${bounded(consumerId)}`;
  if (qualifiedSubject !== null && qualifiedSubject !== undefined) return `subject:${qualifiedSubject}`;
  return undefined;
}

/** The key in canonical form, or undefined when it is not one. */
export function parseBlockKey(text: string): BlockKey | undefined {
  if (text.length > 256) return undefined;
  const colon = text.indexOf(':');
  const prefix = text.slice(0, colon);
  const value = text.slice(colon + 1);
  if (prefix === 'ip') {
    if (isIP(value) === 0) return undefined;
    const address = canonicalIp(value);
    return { key: `ip:${address}`, kind: 'ip', value: address };
  }
  if (prefix === 'consumer' || prefix === 'subject') return CALLER.test(value) ? { key: text, kind: prefix, value } : undefined;
  if (prefix !== 'net') return undefined;
  const m = /^([^/]+)\/(\d{1,3})$/.exec(value);
  const family = m ? isIP(m[1]!) : 0;
  const bits = Number(m?.[2]);
  // An IPv4-mapped network is written as the IPv4 one it is (the checks see mapped clients as IPv4).
  if (family === 0 || bits > (family === 4 ? 32 : 128) || (family === 6 && isIP(unmapIpv4(m![1]!)) === 4)) return undefined;
  const cidr = subnetOf(m![1]!, bits, bits);
  return { key: `net:${cidr}`, kind: 'network', value: cidr };
}
