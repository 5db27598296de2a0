// Credential stuffing: per client network (/24 IPv4, /64 IPv6 by default), the number of DISTINCT
// refused credentials in a window, counted with a HyperLogLog over their keyed fingerprints
// (the request's failedCredential, set by the authenticate phase; the credential itself never gets here).
// Distinct, not attempts: one user retrying the same wrong key counts once. Fires at most once per
// network and window. At most MAX_TRACKED networks (the oldest is forgotten first), 64 bytes each.
import { toMs } from '../../config/units.ts';
import type { AnomaliesConfig } from '../alerts/schema.ts';
import type { Detector, Finding, Observation } from './finding.ts';
import { HyperLogLog } from './hll.ts';
import { MAX_TRACKED } from './id-enumeration.ts';
import { subnetOf } from './subnet.ts';

interface Tracker {
  start: number;
  failures: number;
  fired: boolean;
  readonly hll: HyperLogLog;
}

export class CredentialStuffing implements Detector {
  readonly #distinct: number;
  readonly #windowMs: number;
  readonly #v4: number;
  readonly #v6: number;
  readonly #trackers = new Map<string, Tracker>();

  constructor(config: NonNullable<AnomaliesConfig['credentialStuffing']>) {
    this.#distinct = config.distinctCredentials;
    this.#windowMs = toMs(config.window);
    this.#v4 = config.ipv4Prefix;
    this.#v6 = config.ipv6Prefix;
  }

  wants(o: Observation): boolean {
    return o.failedCredential !== null;
  }

  observe(o: Observation): Finding | undefined {
    const fingerprint = o.failedCredential;
    if (fingerprint === null) return undefined;
    const now = o.time;
    const network = subnetOf(o.ip, this.#v4, this.#v6);
    let t = this.#trackers.get(network);
    if (t === undefined) {
      if (this.#trackers.size >= MAX_TRACKED) this.#trackers.delete(this.#trackers.keys().next().value!);
      t = { start: now, failures: 0, fired: false, hll: new HyperLogLog() };
      this.#trackers.set(network, t);
    } else if (now - t.start >= this.#windowMs) {
      t.start = now;
      t.failures = 0;
      t.fired = false;
      t.hll.clear();
    }
    t.failures++;
    if (!t.hll.add(fingerprint) || t.fired) return undefined;
    const distinct = Math.round(t.hll.estimate());
    if (distinct < this.#distinct) return undefined;
    t.fired = true;
    return {
      reason: 'PCL_ANOMALY_CREDENTIAL_STUFFING',
      blockKey: `net:${network}`,
      details: { detector: 'credential-stuffing', caller: network, network, distinctCredentials: distinct, failures: t.failures, windowSeconds: this.#windowMs / 1000 },
    };
  }
}
