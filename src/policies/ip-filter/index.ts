// Allow and deny lists of client addresses (after trusted-proxy resolution). Deny wins.
import { GatewayError } from '../../core/errors.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { AddressList } from './cidr.ts';
import { ipFilterSchema, type IpFilterConfig } from './schema.ts';

export const ipFilter: PolicyFactory<IpFilterConfig> = {
  name: 'ip-filter',
  phase: 'listen',
  description: 'Allow or deny client addresses by IPv4/IPv6 CIDR lists (403).',
  schema: ipFilterSchema,
  create(config) {
    const allow = new AddressList(config.allow);
    const deny = new AddressList(config.deny);
    return {
      onRequest(ctx) {
        const ip = ctx.clientIp;
        if ((deny.size > 0 && deny.has(ip)) || (allow.size > 0 && !allow.has(ip))) throw new GatewayError('PCL_ERR_IP_DENIED');
      },
    };
  },
};
