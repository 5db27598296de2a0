// Anomaly detectors, fed by the observer with every finished request, in bounded memory:
//  - ID enumeration: per caller and operation, the distinct values of the path parameters in a
//    window (HyperLogLog); many more than a normal client touches means scraping (BOLA);
//  - scanning: per client IP, 404/405 refusals in a window.
// Each fires at most once per key and window; the finding becomes an audit event and an `anomaly`
// signal for the alert rules. Report only: nothing is blocked.
import type { RequestContext } from '../../core/context.ts';
import { toMs } from '../../config/units.ts';
import type { AlertsConfig } from '../alerts/schema.ts';
import { KeyedWindows } from '../alerts/window.ts';
import { HyperLogLog } from './hll.ts';

const MAX_TRACKED = 10_000;

export interface Finding {
  readonly reason: 'PCL_ANOMALY_ID_ENUMERATION' | 'PCL_ANOMALY_SCANNING';
  readonly details: Record<string, unknown>;
}

interface Tracker {
  start: number;
  fired: boolean;
  readonly hll: HyperLogLog;
}

export class AnomalyDetectors {
  readonly #enumeration: { distinct: number; windowMs: number; by: 'ip' | 'consumer' } | undefined;
  readonly #trackers = new Map<string, Tracker>();
  readonly #scanning: { threshold: number; windows: KeyedWindows; windowMs: number } | undefined;

  constructor(config: AlertsConfig['anomalies']) {
    const e = config.idEnumeration;
    if (e) this.#enumeration = { distinct: e.distinctIds, windowMs: toMs(e.window), by: e.by };
    const s = config.scanning;
    if (s) this.#scanning = { threshold: s.notFound, windows: new KeyedWindows(toMs(s.window)), windowMs: toMs(s.window) };
  }

  get enabled(): boolean {
    return this.#enumeration !== undefined || this.#scanning !== undefined;
  }

  check(ctx: RequestContext, status: number, now: number): Finding | undefined {
    if (this.#scanning && (status === 404 || status === 405) && ctx.api === undefined) {
      const s = this.#scanning;
      const count = s.windows.hit(ctx.clientIp, now);
      if (count >= s.threshold && s.windows.claim(ctx.clientIp, now, s.windowMs)) {
        return { reason: 'PCL_ANOMALY_SCANNING', details: { detector: 'scanning', ip: ctx.clientIp, notFound: count, windowSeconds: s.windowMs / 1000 } };
      }
    }
    const e = this.#enumeration;
    const params = ctx.params;
    if (e === undefined || params === undefined || ctx.operationId === undefined) return undefined;
    let value = '';
    for (const name in params) if (name !== '*') value += `${params[name]}\0`;
    if (value === '') return undefined;
    const caller = e.by === 'consumer' ? (ctx.identity?.consumerId ?? ctx.identity?.subject ?? ctx.clientIp) : ctx.clientIp;
    const key = `${caller}\0${ctx.api}\0${ctx.operationId}`;
    let t = this.#trackers.get(key);
    if (t === undefined) {
      if (this.#trackers.size >= MAX_TRACKED) this.#trackers.delete(this.#trackers.keys().next().value!);
      t = { start: now, fired: false, hll: new HyperLogLog() };
      this.#trackers.set(key, t);
    } else if (now - t.start >= e.windowMs) {
      t.start = now;
      t.fired = false;
      t.hll.clear();
    }
    if (!t.hll.add(value) || t.fired) return undefined;
    const distinct = Math.round(t.hll.estimate());
    if (distinct < e.distinct) return undefined;
    t.fired = true;
    return { reason: 'PCL_ANOMALY_ID_ENUMERATION', details: { detector: 'id-enumeration', caller, by: e.by, api: ctx.api, operation: ctx.operationId, distinctIds: distinct, windowSeconds: e.windowMs / 1000 } };
  }
}
