// What happens when the shared counter store cannot answer: each limit follows its onStoreError.
// Every occurrence is counted (Prometheus counter, prom-client loaded on the first one so that no
// process pays for it otherwise) and logged, at most one line per store every 10 s.
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';

const LOG_EVERY_MS = 10_000;
const METRIC = 'portcullis_rate_limit_store_errors_total';

type StoreErrorMetric = Counter<'store' | 'fallback'>;
let metric: StoreErrorMetric | undefined;
let loading: Promise<StoreErrorMetric> | undefined;

async function loadMetric(): Promise<StoreErrorMetric> {
  const { Counter, register } = await import('prom-client');
  const existing = register.getSingleMetric(METRIC);
  metric = (existing as StoreErrorMetric | undefined) ?? new Counter({ name: METRIC, help: 'Rate-limit decisions taken without the shared counter store (unreachable, slow or failing), by fallback.', labelNames: ['store', 'fallback'] });
  return metric;
}

const lastLogged = new Map<string, { at: number; suppressed: number }>();

/** Decisions taken without the store, by store kind: for tests and the report. */
export const storeErrorCounts: Record<string, number> = {};

export function noteStoreError(logger: Logger, store: string, fallback: string, error: unknown): void {
  if (metric) metric.inc({ store, fallback });
  else void (loading ??= loadMetric()).then((m) => m.inc({ store, fallback }));
  storeErrorCounts[store] = (storeErrorCounts[store] ?? 0) + 1;
  const now = Date.now();
  const last = lastLogged.get(store);
  if (last && now - last.at < LOG_EVERY_MS) {
    last.suppressed++;
    return;
  }
  lastLogged.set(store, { at: now, suppressed: 0 });
  logger.warn(
    { store, fallback, err: (error as Error).message, suppressed: last?.suppressed ?? 0 },
    'rate-limit counter store unavailable; limits follow onStoreError',
  );
}
