// Checkpoints kept outside the audit store. The writer logs every checkpoint it stores (one JSON line
// with msg WITNESS_MESSAGE and the checkpoint under "checkpoint"); a log shipped off the machine is then
// a witness of how far each chain had got. `audit-log verify --witness FILE` reads those lines (or bare
// checkpoint objects, one per line) and compares them with the store: a chain cut back to an earlier
// checkpoint, its later checkpoints deleted too, verifies on its own but not against its witness.
import type { KeyObject } from 'node:crypto';
import type { AuditCheckpoint } from '../../store/audit.ts';
import { checkSignature } from './signer.ts';

export const WITNESS_MESSAGE = 'audit checkpoint';
/** The largest time a Date holds (ms). */
const MAX_TIME = 8.64e15;

export interface Witnessed extends AuditCheckpoint {
  /** Line of the witness file it came from (1-based). */
  readonly line: number;
}

/** The checkpoints in a witness file's text; other lines (the rest of a gateway log) are skipped. */
export function readWitness(text: string): Witnessed[] {
  const out: Witnessed[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line.startsWith('{') || !line.includes('"hash"')) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    const record = value as { msg?: unknown; checkpoint?: unknown };
    const candidate = record.msg === WITNESS_MESSAGE ? record.checkpoint : value;
    const cp = asCheckpoint(candidate);
    if (cp !== undefined) out.push({ ...cp, line: i + 1 });
  }
  return out;
}

function asCheckpoint(v: unknown): AuditCheckpoint | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const c = v as Record<string, unknown>;
  if (typeof c.chain !== 'string' || !Number.isSafeInteger(c.seq) || typeof c.hash !== 'string' || !/^[0-9a-f]{64}$/.test(c.hash) || !Number.isSafeInteger(c.time) || Math.abs(c.time as number) > MAX_TIME) return undefined;
  const signature = typeof c.signature === 'string' ? c.signature : null;
  const keyId = typeof c.keyId === 'string' ? c.keyId : null;
  return { chain: c.chain, seq: c.seq as number, hash: c.hash, time: c.time as number, signature, keyId };
}

export interface WitnessCheck {
  /** A witnessed checkpoint is not on the chain: the chain ends before it (cut) or differs there (rewritten). */
  readonly kind: 'deleted' | 'checkpoint' | 'signature';
  readonly seq: number;
  readonly message: string;
}

/** What verify knows of a chain: the hashes of the events on its path, and where it starts. */
export interface ChainView {
  /** Hashes of the events reached by following the links from the chain's start. */
  readonly hashes: ReadonlySet<string>;
  /** The checkpoint a pruned chain starts after (retention), if it does not start at genesis. */
  readonly anchor: { readonly hash: string; readonly time: number } | undefined;
  /** The chain's last position (counted from its last checkpoint, so renumbered events do not move it). */
  readonly lastSeq: number | undefined;
  /** 0: events are kept forever; undefined: not known. */
  readonly retentionMs: number | undefined;
  readonly now: number;
}

/**
 * Compares a chain with the checkpoints witnessed for it. Matching is by hash, never by the stored
 * sequence numbers (they are not hashed, so renumbering events must not move a checkpoint out of
 * reach). A witnessed checkpoint passes when an event of the chain has its hash, when the chain starts
 * right after it, or when the chain starts at a later checkpoint (retention pruned it) and the witnessed
 * one is older than the retention. Fails closed: with retention 0 (kept forever) nothing was pruned, and
 * without a known retention pruning cannot be told from deletion, so the witnessed checkpoint fails.
 * With a key, witness lines without a valid signature are reported and not trusted (anyone can write a
 * log line).
 */
export function checkWitness(witnessed: readonly Witnessed[], chain: ChainView, publicKey: KeyObject | undefined): WitnessCheck[] {
  const out: WitnessCheck[] = [];
  for (const w of witnessed) {
    if (publicKey && !checkSignature(w, publicKey)) {
      out.push({ kind: 'signature', seq: w.seq, message: `witness line ${w.line}: the checkpoint at event ${w.seq} carries no valid signature of this key; not trusted` });
      continue;
    }
    if (chain.hashes.has(w.hash) || chain.anchor?.hash === w.hash) continue;
    const anchor = chain.anchor;
    const when = new Date(w.time).toISOString();
    if (anchor !== undefined && w.time < anchor.time) {
      const retention = chain.retentionMs;
      if (retention !== undefined && retention > 0 && w.time <= chain.now - retention) continue; // pruned by retention
      const why =
        retention === undefined
          ? 'and no retention is known to tell pruning from deletion: pass --retention DURATION (the gateway\'s audit.retention; 0 if it keeps events forever), or verify with -c CONFIG'
          : retention === 0
            ? 'although the retention is 0 (events are kept forever): deleted, not pruned'
            : 'although it is within the retention: deleted, not pruned';
      out.push({ kind: 'deleted', seq: w.seq, message: `a checkpoint witnessed outside the store (line ${w.line}, event ${w.seq}, ${when}) is gone from the chain, which starts after a later checkpoint, ${why}` });
      continue;
    }
    const cut = chain.lastSeq === undefined || w.seq > chain.lastSeq;
    out.push({
      kind: cut ? 'deleted' : 'checkpoint',
      seq: w.seq,
      message: `a checkpoint witnessed outside the store (line ${w.line}, event ${w.seq}, ${when}) is not on the chain: ${cut ? 'events and checkpoints were deleted at the end' : 'events up to it were rewritten or deleted'}`,
    });
  }
  return out;
}
