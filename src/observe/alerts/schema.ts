// The `alerts:` section of portcullis.yaml: webhooks, rules over the request signals, and the
// anomaly detectors (docs/alerts.md).
import { durationSchema } from '../../config/units.ts';
import type { Duration } from '../../config/types.ts';

export type Signal = 'denied' | 'error' | 'anomaly';
export type GroupBy = 'ip' | 'consumer' | 'all';

export interface WebhookConfig {
  name: string;
  url: string;
  secret: string;
  retries: number;
  timeout: Duration;
}

export interface RuleConfig {
  name: string;
  signal: Signal;
  reasons?: string[];
  policies?: string[];
  by: GroupBy;
  threshold: number;
  window: Duration;
  cooldown: Duration;
  webhooks?: string[];
}

export interface AlertsConfig {
  webhooks: WebhookConfig[];
  rules: RuleConfig[];
  anomalies: AnomaliesConfig;
}

/** What a detector does when it fires: report (audit event and signal), or enforce (also blocks the caller for `blockFor`). */
export interface Reaction {
  mode: 'report' | 'enforce';
  blockFor: Duration;
}

export interface AnomaliesConfig {
  idEnumeration?: { distinctIds: number; window: Duration; by: 'ip' | 'consumer' } & Reaction;
  scanning?: { notFound: number; window: Duration } & Reaction;
  credentialStuffing?: { distinctCredentials: number; window: Duration; ipv4Prefix: number; ipv6Prefix: number } & Reaction;
  rateJump?: {
    interval: Duration;
    smoothing: number;
    warmup: number;
    minRequests: number;
    rateFactor: number;
    errorFactor: number;
    minErrorRatio: number;
    by: 'ip' | 'consumer';
  } & Reaction;
  shareBlocks?: { redis: string; prefix: string };
}

const dur = (description: string, dflt: string) => ({ ...durationSchema, description: `${description} ${durationSchema.description}`, default: dflt });
const reaction = (who: string) => ({
  mode: { type: 'string', enum: ['report', 'enforce'], default: 'report', description: `report: audit event and alert signal only; enforce: also block ${who} for \`blockFor\`.` },
  blockFor: dur('How long an enforce-mode finding blocks the caller.', '10m'),
});
const closed = (description: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', description, additionalProperties: false, properties, ...extra });

export const alertsSchema = closed('Alerts: rules over denials, errors and anomalies, delivered to webhooks signed with HMAC-SHA256 (see docs/alerts.md).', {
  webhooks: {
    type: 'array',
    default: [],
    description: 'Where alerts go: JSON POSTs with X-Portcullis-Signature (HMAC-SHA256), retried with back-off.',
    items: closed('A webhook.', {
      name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', description: 'Name rules refer to.' },
      url: { type: 'string', pattern: '^https?://', description: 'Endpoint (https:// in production).' },
      secret: { type: 'string', minLength: 16, description: 'HMAC-SHA256 key (use ${file:PATH}).' },
      retries: { type: 'integer', minimum: 0, maximum: 10, default: 4, description: 'Retries after a failure (5xx, 429, network), with exponential back-off from 1 s.' },
      timeout: dur('Time per attempt.', '5s'),
    }, { required: ['name', 'url', 'secret'] }),
  },
  rules: {
    type: 'array',
    default: [],
    description: 'Each rule counts matching requests per key in fixed windows and alerts once the threshold is reached (then stays quiet for that key during the cooldown).',
    items: closed('A rule.', {
      name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', description: 'Name in the alert.' },
      signal: { type: 'string', enum: ['denied', 'error', 'anomaly'], default: 'denied', description: 'denied: refused requests; error: gateway failures (5xx); anomaly: an anomaly detector fired.' },
      reasons: { type: 'array', items: { type: 'string' }, description: 'Only these reason codes (PCL_ERR_... or PCL_ANOMALY_...).' },
      policies: { type: 'array', items: { type: 'string' }, description: 'Only refusals by these policies ("route" for 404/405).' },
      by: { type: 'string', enum: ['ip', 'consumer', 'all'], default: 'ip', description: 'Count per client IP (an IPv6 client per /64 network), per consumer, or all together.' },
      threshold: { type: 'integer', minimum: 1, description: 'Matching requests in one window that raise the alert.' },
      window: dur('Window length.', '1m'),
      cooldown: dur('Quiet time per key after an alert.', '10m'),
      webhooks: { type: 'array', items: { type: 'string' }, description: 'Webhook names (default: all).' },
    }, { required: ['name', 'threshold'] }),
  },
  anomalies: closed('Anomaly detectors. Each finding is an audit event and an `anomaly` signal for rules; a detector in `mode: enforce` also blocks the caller for `blockFor` (429 PCL_ERR_CALLER_BLOCKED).', {
    idEnumeration: closed('ID enumeration (BOLA scraping): one caller touching many distinct ids of the same operation.', {
      distinctIds: { type: 'integer', minimum: 2, default: 100, description: 'Distinct path-parameter values per caller and operation in one window that count as enumeration.' },
      window: dur('Window length.', '1m'),
      by: { type: 'string', enum: ['ip', 'consumer'], default: 'consumer', description: 'The caller: consumer (client IP when unauthenticated) or client IP.' },
      ...reaction('the caller (consumer, or client IP)'),
    }),
    scanning: closed('Scanning: bursts of 404/405 from one client IP.', {
      notFound: { type: 'integer', minimum: 2, default: 30, description: 'Refusals with 404 or 405 from one IP in one window.' },
      window: dur('Window length.', '1m'),
      ...reaction('the client IP'),
    }),
    credentialStuffing: closed('Credential stuffing: many distinct failing credentials from one client network (a keyed hash of each credential, counted with a HyperLogLog; the credential itself is never kept).', {
      distinctCredentials: { type: 'integer', minimum: 2, default: 20, description: 'Distinct refused credentials from one network in one window that count as stuffing (the same wrong credential retried counts once).' },
      window: dur('Window length.', '10m'),
      ipv4Prefix: { type: 'integer', minimum: 8, maximum: 32, default: 24, description: 'IPv4 clients are grouped by this prefix length (32: per address).' },
      ipv6Prefix: { type: 'integer', minimum: 16, maximum: 128, default: 64, description: 'IPv6 clients are grouped by this prefix length (128: per address).' },
      ...reaction('the network (every address in it)'),
    }),
    rateJump: closed('Sudden jumps of the request rate or of the error ratio (status >= 400) of one caller, against its own baseline (an exponentially weighted moving average per interval).', {
      interval: dur('Length of one measuring interval.', '10s'),
      smoothing: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.2, description: 'EWMA weight of the latest interval (higher: the baseline follows changes faster).' },
      warmup: { type: 'integer', minimum: 1, default: 6, description: 'Intervals a caller is watched before it may fire (its baseline first).' },
      minRequests: { type: 'integer', minimum: 1, default: 50, description: 'Requests in the current interval below which nothing fires (quiet callers never do).' },
      rateFactor: { type: 'number', exclusiveMinimum: 1, default: 5, description: 'Fires when the requests of the current interval exceed the baseline times this factor.' },
      errorFactor: { type: 'number', exclusiveMinimum: 1, default: 3, description: 'Fires when the error ratio of the current interval exceeds the baseline ratio times this factor...' },
      minErrorRatio: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.5, description: '...and this ratio.' },
      by: { type: 'string', enum: ['ip', 'consumer'], default: 'consumer', description: 'The caller: consumer (client IP when unauthenticated) or client IP.' },
      ...reaction('the caller (consumer, or client IP)'),
    }),
    shareBlocks: closed('Share the blocks of enforce-mode detectors with the other gateways using the same Redis (pub/sub, and a sorted set a starting gateway catches up from). Without it, blocks are shared by the --workers of one gateway only.', {
      redis: { type: 'string', pattern: '^rediss?://', description: 'Redis URL (redis:// or rediss://; not a Redis Cluster). Use ${ENV} or ${file:...} for passwords.' },
      prefix: { type: 'string', pattern: '^[A-Za-z0-9_:.-]{1,32}$', default: 'pcl', description: 'Prefix of the Redis key and channel ("<prefix>:anomaly-blocks").' },
    }, { required: ['redis'] }),
  }, { default: {} }),
}, { default: {} });
