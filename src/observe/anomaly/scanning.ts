// Scanning: per client IP, 404/405 refusals (paths no operation describes) in a window. Fires at
// most once per IP and window; at most 10,000 IPs tracked (KeyedWindows).
import { toMs } from '../../config/units.ts';
import type { AnomaliesConfig } from '../alerts/schema.ts';
import { KeyedWindows } from '../alerts/window.ts';
import type { Detector, Finding, Observation } from './finding.ts';

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
    const ip = o.ip;
    const count = this.#windows.hit(ip, now);
    if (count < this.#threshold || !this.#windows.claim(ip, now, this.#windowMs)) return undefined;
    return { reason: 'PCL_ANOMALY_SCANNING', blockKey: `ip:${ip}`, details: { detector: 'scanning', caller: ip, ip, notFound: count, windowSeconds: this.#windowMs / 1000 } };
  }
}
