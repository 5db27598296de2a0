// Delivers alerts to webhooks: JSON bodies signed with HMAC-SHA256 over "<timestamp>.<body>"
// (headers X-Portcullis-Timestamp and X-Portcullis-Signature: sha256=<hex>), retried with exponential
// back-off and jitter on network errors, timeouts, 429 and 5xx, every failure logged. Deliveries run in
// the background; at most MAX_PENDING wait at once (beyond: dropped and logged).
import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';

const MAX_PENDING = 200;
const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 60_000;

export interface WebhookTarget {
  readonly name: string;
  readonly url: string;
  readonly secret: string;
  readonly retries: number;
  readonly timeoutMs: number;
}

export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class WebhookSender {
  delivered = 0;
  failed = 0;
  #pending = 0;
  readonly #logger: Logger;
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;
  /** Base delay between attempts (tests shorten it). */
  readonly baseDelayMs: number;

  constructor(logger: Logger, baseDelayMs = BASE_DELAY_MS) {
    this.#logger = logger;
    this.baseDelayMs = baseDelayMs;
  }

  send(target: WebhookTarget, payload: unknown): void {
    if (this.#closed) return;
    if (this.#pending >= MAX_PENDING) {
      this.failed++;
      this.#logger.error({ webhook: target.name }, 'alert dropped: too many webhook deliveries pending');
      return;
    }
    this.#pending++;
    void this.#attempt(target, JSON.stringify(payload), 0);
  }

  async #attempt(target: WebhookTarget, body: string, attempt: number): Promise<void> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    let outcome: string;
    try {
      const res = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'portcullis-alerts', 'x-portcullis-timestamp': timestamp, 'x-portcullis-signature': signature(target.secret, timestamp, body) },
        body,
        signal: AbortSignal.timeout(target.timeoutMs),
        redirect: 'error',
      });
      await res.body?.cancel();
      if (res.ok) {
        this.delivered++;
        this.#pending--;
        return;
      }
      outcome = `HTTP ${res.status}`;
      if (res.status < 500 && res.status !== 429) return this.#giveUp(target, outcome, attempt);
    } catch (error) {
      outcome = (error as Error).name === 'TimeoutError' ? 'timeout' : `network error (${(error as Error).message})`;
    }
    if (attempt >= target.retries || this.#closed) return this.#giveUp(target, outcome, attempt);
    const delay = Math.min(MAX_DELAY_MS, this.baseDelayMs * 2 ** attempt) * (0.75 + Math.random() / 2);
    this.#logger.warn({ webhook: target.name, attempt: attempt + 1, outcome, retryInMs: Math.round(delay) }, 'alert delivery failed; retrying');
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#attempt(target, body, attempt + 1);
    }, delay);
    timer.unref();
    this.#timers.add(timer);
  }

  #giveUp(target: WebhookTarget, outcome: string, attempt: number): void {
    this.failed++;
    this.#pending--;
    this.#logger.error({ webhook: target.name, attempts: attempt + 1, outcome }, 'alert not delivered');
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
