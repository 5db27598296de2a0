// Alert rules: each counts the signals it matches (refusals, gateway errors, anomalies; filtered by
// reason and policy) per client IP, per consumer or overall, and once a window reaches the threshold
// sends one alert to its webhooks, then stays quiet for that key during the cooldown.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { toMs } from '../../config/units.ts';
import { clientKey } from '../anomaly/subnet.ts';
import type { AlertsConfig, RuleConfig, Signal } from './schema.ts';
import type { WebhookSender, WebhookTarget } from './webhook.ts';
import { KeyedWindows } from './window.ts';

export interface SignalEvent {
  readonly signal: Signal;
  readonly time: number;
  readonly reason: string | null;
  readonly policy: string | null;
  readonly ip: string;
  readonly consumer: string | null;
  readonly requestId: string;
  readonly api: string | null;
  readonly operation: string | null;
  /** What a detector found (anomalies). */
  readonly details?: Record<string, unknown>;
}

interface CompiledRule {
  readonly config: RuleConfig;
  readonly reasons: ReadonlySet<string> | undefined;
  readonly policies: ReadonlySet<string> | undefined;
  readonly windows: KeyedWindows;
  readonly windowMs: number;
  readonly cooldownMs: number;
  readonly targets: readonly WebhookTarget[];
}

export class AlertEngine {
  readonly #rules: CompiledRule[];
  readonly #sender: WebhookSender;
  readonly #logger: Logger;

  constructor(config: AlertsConfig, sender: WebhookSender, logger: Logger) {
    const targets = config.webhooks.map((w) => ({ name: w.name, url: w.url, secret: w.secret, retries: w.retries, timeoutMs: toMs(w.timeout) }));
    this.#rules = config.rules.map((r) => ({
      config: r,
      reasons: r.reasons && new Set(r.reasons),
      policies: r.policies && new Set(r.policies),
      windows: new KeyedWindows(toMs(r.window)),
      windowMs: toMs(r.window),
      cooldownMs: toMs(r.cooldown),
      targets: r.webhooks ? targets.filter((t) => r.webhooks!.includes(t.name)) : targets,
    }));
    this.#sender = sender;
    this.#logger = logger;
  }

  observe(e: SignalEvent): void {
    for (const rule of this.#rules) {
      const r = rule.config;
      if (r.signal !== e.signal) continue;
      if (rule.reasons && (e.reason === null || !rule.reasons.has(e.reason))) continue;
      if (rule.policies && (e.policy === null || !rule.policies.has(e.policy))) continue;
      const key = r.by === 'ip' ? clientKey(e.ip) /* an IPv6 client by its /64 */ : r.by === 'consumer' ? e.consumer : '*';
      if (key === null) continue;
      const count = rule.windows.hit(key, e.time);
      if (count < r.threshold || !rule.windows.claim(key, e.time, rule.cooldownMs)) continue;
      const alert = {
        type: 'portcullis.alert',
        id: randomUUID(),
        rule: r.name,
        time: new Date(e.time).toISOString(),
        signal: e.signal,
        by: r.by,
        key,
        count,
        threshold: r.threshold,
        windowSeconds: rule.windowMs / 1000,
        last: { requestId: e.requestId, api: e.api, operation: e.operation, policy: e.policy, reason: e.reason, ip: e.ip, consumer: e.consumer, ...(e.details ? { details: e.details } : {}) },
      };
      this.#logger.warn({ rule: r.name, by: r.by, key, count }, 'alert raised');
      for (const t of rule.targets) this.#sender.send(t, alert);
    }
  }
}
