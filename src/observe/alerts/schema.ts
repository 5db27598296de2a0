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
  anomalies: {
    idEnumeration?: { distinctIds: number; window: Duration; by: 'ip' | 'consumer' };
    scanning?: { notFound: number; window: Duration };
  };
}

const dur = (description: string, dflt: string) => ({ ...durationSchema, description: `${description} ${durationSchema.description}`, default: dflt });
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
      by: { type: 'string', enum: ['ip', 'consumer', 'all'], default: 'ip', description: 'Count per client IP, per consumer, or all together.' },
      threshold: { type: 'integer', minimum: 1, description: 'Matching requests in one window that raise the alert.' },
      window: dur('Window length.', '1m'),
      cooldown: dur('Quiet time per key after an alert.', '10m'),
      webhooks: { type: 'array', items: { type: 'string' }, description: 'Webhook names (default: all).' },
    }, { required: ['name', 'threshold'] }),
  },
  anomalies: closed('Anomaly detectors (report only: each finding is an audit event and an `anomaly` signal for rules).', {
    idEnumeration: closed('ID enumeration (BOLA scraping): one caller touching many distinct ids of the same operation.', {
      distinctIds: { type: 'integer', minimum: 2, default: 100, description: 'Distinct path-parameter values per caller and operation in one window that count as enumeration.' },
      window: dur('Window length.', '1m'),
      by: { type: 'string', enum: ['ip', 'consumer'], default: 'consumer', description: 'The caller: consumer (client IP when unauthenticated) or client IP.' },
    }),
    scanning: closed('Scanning: bursts of 404/405 from one client IP.', {
      notFound: { type: 'integer', minimum: 2, default: 30, description: 'Refusals with 404 or 405 from one IP in one window.' },
      window: dur('Window length.', '1m'),
    }),
  }, { default: {} }),
}, { default: {} });
