// Options of the rate-limit policies (rate-limit after authentication, pre-auth-rate-limit before it).
import { durationSchema } from '../../config/units.ts';

const dur = (description: string, dflt?: string) => ({ ...durationSchema, description: `${description} ${durationSchema.description}`, ...(dflt ? { default: dflt } : {}) });
const count = (description: string) => ({ type: 'integer', minimum: 1, description });
const ON_STORE_ERROR = {
  type: 'string',
  enum: ['local', 'allow', 'deny'],
  description:
    'When the shared counter store (Redis, or the cluster primary) cannot answer in time: local = count in this process with the limit divided by store.instances; allow = let the request through; deny = 503.',
};
const KEY_PART = '^(consumer|credential|ip|operation|api|tier|header:[A-Za-z0-9!#$%&\'*+.^_`|~-]+|claim:[^\\s]+)$';

const amounts = {
  rate: count('gcra: units earned per `per` (the sustained rate).'),
  burst: count('gcra: bucket capacity, the most units at once (default: rate).'),
  limit: count('Windows: units per window. concurrency: requests in flight.'),
};

const limit = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  description: 'One limit. A request is admitted only when every limit allows it; a refused request consumes nothing.',
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'Name in RateLimit-Policy / RateLimit headers and logs; unique within the policy.' },
    algorithm: {
      type: 'string',
      enum: ['gcra', 'sliding-window', 'fixed-window', 'concurrency'],
      default: 'gcra',
      description: 'gcra: token bucket with rate and burst (exact); sliding-window: weighted previous + current window (approximate); fixed-window: exact count per window, calendar windows (`day`, `month`, UTC) for quotas; concurrency: requests in flight.',
    },
    ...amounts,
    per: dur('gcra: the period of `rate`.', '1s'),
    window: { oneOf: [durationSchema, { type: 'string', enum: ['day', 'month'] }], description: 'Windows: length ("1m"), or `day` / `month` (UTC calendar, fixed-window only).' },
    cost: { type: 'integer', minimum: 1, default: 1, description: 'Units one request uses (an expensive operation can cost more); `costs` overrides it per operation.' },
    key: {
      type: 'array',
      minItems: 1,
      maxItems: 8,
      items: { type: 'string', pattern: KEY_PART },
      default: ['consumer'],
      description:
        'What is counted separately, combined in order: consumer (the consumer id, else the subject qualified by auth method and issuer), credential (API key id, else that qualified subject), ip (client address, X-Forwarded-For believed only from forwarding.trustedProxies), operation, api, tier, header:NAME, claim:PATH. An anonymous caller\'s consumer or credential is its ip.',
    },
    tiers: {
      type: 'object',
      description: 'Other amounts by consumer tier (the API key consumer\'s `tier`, or the `tierClaim` of a token).',
      additionalProperties: { type: 'object', additionalProperties: false, properties: amounts },
    },
    onStoreError: ON_STORE_ERROR,
  },
};

export const rateLimitSchema = {
  required: ['limits'],
  properties: {
    limits: { type: 'array', minItems: 1, maxItems: 16, items: limit, description: 'The limits, all checked and consumed together.' },
    costs: { type: 'object', additionalProperties: { type: 'integer', minimum: 1 }, description: 'Cost of a request by operationId, for every limit but concurrency.' },
    onStoreError: { ...ON_STORE_ERROR, default: 'local', description: `Default of the limits' onStoreError. ${ON_STORE_ERROR.description}` },
    tierClaim: { type: 'string', default: 'tier', description: 'Claim (path) that names the consumer tier.' },
    store: {
      type: 'object',
      additionalProperties: false,
      description: 'Where counters live. Default: in this gateway (exact across its --workers). With `redis`: shared by every gateway.',
      properties: {
        redis: { type: 'string', pattern: '^rediss?://', description: 'Redis URL (redis:// or rediss://). Use ${ENV} or ${file:...} for passwords.' },
        cluster: { type: 'boolean', default: false, description: 'The URL is one node of a Redis Cluster (every key of the gateway shares one hash slot).' },
        timeout: dur('Longest wait for the store (Redis, or the cluster primary) before onStoreError applies.', '200ms'),
        instances: { type: 'integer', minimum: 1, default: 1, description: 'Gateway instances sharing the store; onStoreError local divides each limit by it (and by the number of --workers).' },
        prefix: { type: 'string', pattern: '^[A-Za-z0-9_:.-]{1,32}$', default: 'pcl', description: 'Redis key prefix (a hash tag is added for Redis Cluster).' },
        maxKeys: {
          type: 'integer',
          minimum: 100,
          default: 1000000,
          description:
            "In-process counters kept at most per limit (each limit and tier has its own table, about 190 bytes a key). A full table of a rate limit or quota evicts its least recently used key, which starts afresh; a concurrency limit's refuses new keys while full of requests in flight. Also the bound of the cluster primary's tables.",
        },
      },
    },
  },
} as const;

export type OnStoreError = 'local' | 'allow' | 'deny';

export interface Amounts {
  rate?: number;
  burst?: number;
  limit?: number;
}

export interface LimitConfig extends Amounts {
  name: string;
  algorithm: 'gcra' | 'sliding-window' | 'fixed-window' | 'concurrency';
  per: number | string;
  window?: number | string;
  cost: number;
  key: string[];
  tiers?: Record<string, Amounts>;
  onStoreError?: OnStoreError;
}

export interface StoreConfig {
  redis?: string;
  cluster: boolean;
  timeout: number | string;
  instances: number;
  prefix: string;
  maxKeys: number;
}

export interface RateLimitConfig {
  limits: LimitConfig[];
  costs?: Record<string, number>;
  onStoreError: OnStoreError;
  tierClaim: string;
  store?: StoreConfig;
}
