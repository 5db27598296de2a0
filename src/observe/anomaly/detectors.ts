// The configured anomaly detectors, fed by the watcher with every finished request, in bounded
// memory (see each detector). A finding becomes an audit event and an `anomaly` signal for the alert
// rules; a detector in `mode: enforce` also blocks what it found (the caller, the client IP or the
// network) for `blockFor`: the block goes into the process's block table (blocks.ts), shared with the
// other workers, and the gateway refuses the caller's next requests with PCL_ERR_CALLER_BLOCKED.
// With `serve --workers N` they run in the primary on every worker's requests (cluster-detection.ts).
import { toMs } from '../../config/units.ts';
import type { AnomaliesConfig, Reaction } from '../alerts/schema.ts';
import type { Blocks } from './blocks.ts';
import { CredentialStuffing } from './credential-stuffing.ts';
import type { Detector, Finding, Observation } from './finding.ts';
import { IdEnumeration } from './id-enumeration.ts';
import { RateJump } from './rate-jump.ts';
import { Scanning } from './scanning.ts';

export type { Finding, Observation } from './finding.ts';

interface Armed {
  readonly detector: Detector;
  /** Block duration in enforce mode; 0 in report mode. */
  readonly blockMs: number;
}

/** Whether some detector blocks (the gateway then checks the block table). */
export function enforcing(config: AnomaliesConfig): boolean {
  return [config.idEnumeration, config.scanning, config.credentialStuffing, config.rateJump].some((d) => d?.mode === 'enforce');
}

export class AnomalyDetectors {
  readonly #armed: Armed[] = [];

  constructor(config: AnomaliesConfig) {
    const arm = (detector: Detector, reaction: Reaction) => this.#armed.push({ detector, blockMs: reaction.mode === 'enforce' ? toMs(reaction.blockFor) : 0 });
    if (config.idEnumeration) arm(new IdEnumeration(config.idEnumeration), config.idEnumeration);
    if (config.scanning) arm(new Scanning(config.scanning), config.scanning);
    if (config.credentialStuffing) arm(new CredentialStuffing(config.credentialStuffing), config.credentialStuffing);
    if (config.rateJump) arm(new RateJump(config.rateJump), config.rateJump);
  }

  get enabled(): boolean {
    return this.#armed.length > 0;
  }

  /** Whether some detector counts this request (a cluster worker sends only those to the primary). */
  wants(o: Observation): boolean {
    for (const { detector } of this.#armed) if (detector.wants(o)) return true;
    return false;
  }

  /** Runs every detector on one request; `found` gets each finding and its block duration (0: report only). */
  detect(o: Observation, found: (finding: Finding, blockMs: number) => void): void {
    for (const { detector, blockMs } of this.#armed) {
      const finding = detector.observe(o);
      if (finding !== undefined) found(finding, blockMs);
    }
  }
}

/** Blocks what an enforce-mode finding names (shared as every new block is) and returns the finding
 *  with the block in its details; a report-mode finding is returned as it is. */
export function applyFinding(blocks: Blocks, finding: Finding, blockMs: number): Finding {
  if (blockMs === 0) return finding;
  // Wall-clock time, as the checks use.
  const until = Date.now() + blockMs;
  blocks.add(finding.blockKey, until);
  return { ...finding, details: { ...finding.details, blocked: true, blockedUntil: until, block: finding.blockKey } };
}
