export const ipFilterSchema = {
  properties: {
    allow: { type: 'array', items: { type: 'string' }, default: [], description: 'Addresses or CIDR ranges (IPv4 or IPv6). When not empty, only these may call.' },
    deny: { type: 'array', items: { type: 'string' }, default: [], description: 'Addresses or CIDR ranges that may never call. Deny wins over allow.' },
  },
} as const;

export interface IpFilterConfig {
  allow: string[];
  deny: string[];
}
