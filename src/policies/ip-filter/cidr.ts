// CIDR lists compiled into node:net BlockLists. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are
// checked as the IPv4 address they carry, so a rule for 10.0.0.0/8 also covers ::ffff:10.1.2.3.
import { BlockList, isIP } from 'node:net';

export class AddressList {
  readonly #list = new BlockList();
  readonly size: number;

  constructor(entries: readonly string[]) {
    for (const entry of entries) add(this.#list, entry);
    this.size = entries.length;
  }

  has(address: string): boolean {
    const plain = unmapIpv4(address);
    const family = isIP(plain);
    if (family === 0) return false;
    return this.#list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  }
}

export function unmapIpv4(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function add(list: BlockList, entry: string): void {
  const [address = '', prefixText, ...rest] = entry.trim().split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) throw new Error(`"${entry}" is not an IP address or CIDR range`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (prefixText === undefined) {
    list.addAddress(address, type);
    return;
  }
  const prefix = Number(prefixText);
  if (!/^\d+$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) throw new Error(`"${entry}" has an invalid prefix length`);
  list.addSubnet(address, prefix, type);
}
