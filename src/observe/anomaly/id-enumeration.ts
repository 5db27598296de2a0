// ID enumeration (BOLA scraping): per caller and operation, the distinct values of the path
// parameters in a window (HyperLogLog); many more than a normal client touches means scraping.
// Fires at most once per key and window. At most MAX_TRACKED keys (the oldest is forgotten first).
import { toMs } from '../../config/units.ts';
import type { AnomaliesConfig } from '../alerts/schema.ts';
import { callerOf, type Detector, type Finding, type Observation } from './finding.ts';
import { HyperLogLog } from './hll.ts';

export const MAX_TRACKED = 10_000;

interface Tracker {
  start: number;
  fired: boolean;
  readonly hll: HyperLogLog;
}

export class IdEnumeration implements Detector {
  readonly #distinct: number;
  readonly #windowMs: number;
  readonly #by: 'ip' | 'consumer';
  readonly #trackers = new Map<string, Tracker>();

  constructor(config: NonNullable<AnomaliesConfig['idEnumeration']>) {
    this.#distinct = config.distinctIds;
    this.#windowMs = toMs(config.window);
    this.#by = config.by;
  }

  wants(o: Observation): boolean {
    return o.ids !== '' && o.operation !== null;
  }

  observe(o: Observation): Finding | undefined {
    if (!this.wants(o)) return undefined;
    const now = o.time;
    const value = o.ids;
    const { caller, blockKey } = callerOf(o, this.#by);
    const key = `${blockKey}\0${o.api}\0${o.operation}`;
    let t = this.#trackers.get(key);
    if (t === undefined) {
      if (this.#trackers.size >= MAX_TRACKED) this.#trackers.delete(this.#trackers.keys().next().value!);
      t = { start: now, fired: false, hll: new HyperLogLog() };
      this.#trackers.set(key, t);
    } else if (now - t.start >= this.#windowMs) {
      t.start = now;
      t.fired = false;
      t.hll.clear();
    }
    if (!t.hll.add(value) || t.fired) return undefined;
    const distinct = Math.round(t.hll.estimate());
    if (distinct < this.#distinct) return undefined;
    t.fired = true;
    return {
      reason: 'PCL_ANOMALY_ID_ENUMERATION',
      blockKey,
      details: { detector: 'id-enumeration', caller, by: this.#by, api: o.api, operation: o.operation, distinctIds: distinct, windowSeconds: this.#windowMs / 1000 },
    };
  }
}
