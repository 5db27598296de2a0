import { onOversizeSchema, type OnOversize } from '../shared/oversize.ts';
import { sizeSchema } from '../../config/units.ts';

const action = { type: 'string', enum: ['mask', 'block', 'report', 'off'] } as const;

export const dataLeakSchema = {
  properties: {
    actions: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'What to do per kind of finding: `mask` it in the body (a body that cannot be rewritten, such as UTF-16, is withheld: 502), `block` the response (502), `report` it (logged, body unchanged) or `off`. `block` lets any user who can store a value that looks like a secret take every response listing it offline.',
      properties: {
        card: { ...action, default: 'mask', description: 'Payment card numbers (13 to 19 digits, Luhn-checked).' },
        iban: { ...action, default: 'mask', description: 'IBANs (ISO 13616 check digits verified).' },
        ssn: { ...action, default: 'mask', description: 'US social security numbers written with dashes.' },
        privateKey: { ...action, default: 'mask', description: 'PEM private keys (the whole block becomes `[REDACTED PRIVATE KEY]`).' },
        cloudKey: { ...action, default: 'mask', description: 'AWS access key ids, Google API keys, GitHub, Slack and Stripe live tokens (only the 4-character kind prefix is kept: `AKIA[REDACTED]`).' },
        jwt: { ...action, default: 'report', description: 'JSON Web Tokens (a login response legitimately carries one: see `ignoreFields`).' },
        password: { ...action, default: 'mask', description: 'String values of fields named like passwords and secrets (password, passwordHash, secret, client_secret...).' },
      },
    },
    ignoreFields: {
      type: 'array',
      items: { type: 'string' },
      default: ['access_token', 'refresh_token', 'id_token', 'token'],
      description: 'JSON property names whose values are never inspected (tokens an operation is meant to return).',
    },
    maxBodySize: { ...sizeSchema, default: '1mb', description: `Largest response body inspected; a larger one is withheld (502, fail closed). ${sizeSchema.description}` },
    onOversize: onOversizeSchema,
  },
} as const;

export type LeakAction = 'mask' | 'block' | 'report' | 'off';

export interface DataLeakConfig {
  actions: Partial<Record<'card' | 'iban' | 'ssn' | 'privateKey' | 'cloudKey' | 'jwt' | 'password', LeakAction>>;
  ignoreFields: string[];
  maxBodySize: number | string;
  onOversize: OnOversize;
}
