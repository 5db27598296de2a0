// The configured anomaly detectors, fed by the watcher with every finished request, in bounded
// memory (see each detector). A finding becomes an audit event and an `anomaly` signal for the alert
// rules; a detector in `mode: enforce` also blocks what it found (the caller, the client IP or the
// network) for `blockFor`: the block goes into the process's block table (blocks.ts), shared with the
// other workers, and the gateway refuses the caller's next requests with PCL_ERR_CALLER_BLOCKED.
import type { RequestContext } from '../../core/context.ts';
import { toMs } from '../../config/units.ts';
import type { AnomaliesConfig, Reaction } from '../alerts/schema.ts';
import type { Blocks } from './blocks.ts';
import { CredentialStuffing } from './credential-stuffing.ts';
import type { Detector, Finding } from './finding.ts';
import { IdEnumeration } from './id-enumeration.ts';
import { RateJump } from './rate-jump.ts';
import { Scanning } from './scanning.ts';

export type { Finding } from './finding.ts';

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
  readonly #blocks: Blocks;

  constructor(config: AnomaliesConfig, blocks: Blocks) {
    this.#blocks = blocks;
    const arm = (detector: Detector, reaction: Reaction) => this.#armed.push({ detector, blockMs: reaction.mode === 'enforce' ? toMs(reaction.blockFor) : 0 });
    if (config.idEnumeration) arm(new IdEnumeration(config.idEnumeration), config.idEnumeration);
    if (config.scanning) arm(new Scanning(config.scanning), config.scanning);
    if (config.credentialStuffing) arm(new CredentialStuffing(config.credentialStuffing), config.credentialStuffing);
    if (config.rateJump) arm(new RateJump(config.rateJump), config.rateJump);
  }

  get enabled(): boolean {
    return this.#armed.length > 0;
  }

  /** Runs every detector on one request; `found` gets each finding (with the block, in enforce mode). */
  check(ctx: RequestContext, status: number, now: number, found: (finding: Finding) => void): void {
    // A refusal for a block is the block's doing, not new behaviour of the caller.
    if (ctx.errorCode === 'PCL_ERR_CALLER_BLOCKED') return;
    for (const { detector, blockMs } of this.#armed) {
      const finding = detector.observe(ctx, status, now);
      if (finding === undefined) continue;
      if (blockMs === 0) {
        found(finding);
        continue;
      }
      // Wall-clock time, as the checks use (the observer's `now` comes from the monotonic clock).
      const until = Date.now() + blockMs;
      this.#blocks.add(finding.blockKey, until);
      found({ ...finding, details: { ...finding.details, blocked: true, blockedUntil: until, block: finding.blockKey } });
    }
  }
}
