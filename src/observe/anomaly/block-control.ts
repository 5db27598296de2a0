// An administrator's operations on this process's block table (GET/DELETE/POST /api/blocks): list
// the blocks, lift one, add one. Each lift or manual block is written to the audit trail (policy
// "anomaly", verdict "lifted" or "blocked", who did it in `subject` and the evidence), so the trail
// says why a blocked caller got through early. Whether the change travels on is the caller's
// choice: a standalone gateway shares it (other gateways through Redis); in a cluster the primary
// relays it to every worker and only one of them shares and records it (block-sync.ts).
import { anomalyEvent } from '../audit/event.ts';
import type { AuditSink } from '../observer.ts';
import type { Blocks } from './blocks.ts';
import { parseBlockKey } from './block-key.ts';

/** Who asked, for the audit event. */
export interface AdminAction {
  /** The admin identity (OIDC name or subject; "admin-token" for the shared admin token), when known. */
  readonly by: string | null;
  readonly ip: string;
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
}

export const LIFTED = 'PCL_ANOMALY_BLOCK_LIFTED';
export const MANUAL = 'PCL_ANOMALY_MANUAL_BLOCK';

export class BlockControl {
  readonly #blocks: Blocks;
  readonly #audit: AuditSink | undefined;

  constructor(blocks: Blocks, audit: AuditSink | undefined) {
    this.#blocks = blocks;
    this.#audit = audit;
  }

  list(now: number): [string, number][] {
    return [...this.#blocks.entries(now)];
  }

  /**
   * Lifts `key` here; returns when the block would have ended (0: none). With `share`, the lift goes
   * to the other gateways and is recorded; `known` is the end another process of this gateway saw.
   */
  lift(key: string, now: number, share: boolean, action?: AdminAction, known = 0): number {
    const until = Math.max(this.#blocks.lift(key, now, Number.POSITIVE_INFINITY, false), known);
    if (until === 0 || !share) return until;
    this.#blocks.onLift?.(key, until);
    this.#record(action, 'lifted', LIFTED, 204, { block: key, kind: parseBlockKey(key)?.kind, lifted: true, until });
    return until;
  }

  /** Blocks `key` until `until` here; with `share`, also on the other processes or gateways, and recorded. */
  add(key: string, until: number, share: boolean, action?: AdminAction): void {
    this.#blocks.forgetLift(key);
    this.#blocks.add(key, until, share);
    if (share) this.#record(action, 'blocked', MANUAL, 201, { block: key, kind: parseBlockKey(key)?.kind, blocked: true, blockedUntil: until, manual: true });
  }

  #record(action: AdminAction | undefined, verdict: string, reason: string, status: number, evidence: Record<string, unknown>): void {
    const audit = this.#audit;
    if (!audit || !action) return;
    const request = { ...action, consumer: null, subject: action.by, api: null, operation: null, path: action.path.slice(0, 300), status };
    audit.writer.push(anomalyEvent(audit.writer.chain, request, verdict, reason, { ...evidence, ...(action.by === null ? {} : { by: action.by }) }), true);
  }
}
