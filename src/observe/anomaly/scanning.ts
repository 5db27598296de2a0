// Scanning: per client IP (an IPv6 client by its /64), 404/405 refusals (paths no operation
// describes) in a window. Fires at most once per client and window; at most 10,000 tracked (KeyedWindows).
import { toMs } from '../../config/units.ts';
import type { AnomaliesConfig } from '../alerts/schema.ts';
import { KeyedWindows } from '../alerts/window.ts';
import type { Detector, Finding, Observation } from './finding.ts';
import { clientBlockKey, clientKey } from './subnet.ts';

export class Scanning implements Detector {
  readonly #threshold: number;
  readonly #windowMs: number;
  readonly #windows: KeyedWindows;

  constructor(config: NonNullable<AnomaliesConfig['scanning']>) {
    this.#threshold = config.notFound;
    this.#windowMs = toMs(config.window);
    this.#windows = new KeyedWindows(this.#windowMs);
  }

  wants(o: Observation): boolean {
    return (o.status === 404 || o.status === 405) && o.api === null;
  }

  observe(o: Observation): Finding | undefined {
    if (!this.wants(o)) return undefined;
    const now = o.time;
    const caller = clientKey(o.ip);
    const count = this.#windows.hit(caller, now);
    if (count < this.#threshold || !this.#windows.claim(caller, now, this.#windowMs)) return undefined;
    return { reason: 'PCL_ANOMALY_SCANNING', blockKey: clientBlockKey(o.ip), details: { detector: 'scanning', caller, ip: o.ip, notFound: count, windowSeconds: this.#windowMs / 1000 } };
  }
}
