// Checkpoints kept outside the audit store. The writer logs every checkpoint it stores (one JSON line
// with msg WITNESS_MESSAGE and the checkpoint under "checkpoint"); a log shipped off the machine is then
// a witness of how far each chain had got. `audit-log verify --witness FILE` reads those lines (or bare
// checkpoint objects, one per line) and compares them with the store: a chain cut back to an earlier
// checkpoint, its later checkpoints deleted too, verifies on its own but not against its witness.
import type { KeyObject } from 'node:crypto';
import type { AuditCheckpoint } from '../../store/audit.ts';
import { checkSignature } from './signer.ts';

export const WITNESS_MESSAGE = 'audit checkpoint';

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
  if (typeof c.chain !== 'string' || !Number.isSafeInteger(c.seq) || typeof c.hash !== 'string' || !/^[0-9a-f]{64}$/.test(c.hash) || !Number.isSafeInteger(c.time)) return undefined;
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

/**
 * Compares a chain (its events' hashes by sequence number along its links, and its last seq) with the
 * checkpoints witnessed for it. With a key, witness lines without a valid signature are reported and
 * not trusted (anyone can write a log line).
 */
export function checkWitness(witnessed: readonly Witnessed[], hashAt: (seq: number) => string | undefined, lastSeq: number | undefined, firstSeq: number | undefined, publicKey: KeyObject | undefined): WitnessCheck[] {
  const out: WitnessCheck[] = [];
  for (const w of witnessed) {
    if (publicKey && !checkSignature(w, publicKey)) {
      out.push({ kind: 'signature', seq: w.seq, message: `witness line ${w.line}: the checkpoint at event ${w.seq} carries no valid signature of this key; not trusted` });
      continue;
    }
    if (lastSeq === undefined || w.seq > lastSeq) {
      out.push({ kind: 'deleted', seq: w.seq, message: `a checkpoint witnessed outside the store (line ${w.line}, ${new Date(w.time).toISOString()}) vouches for events up to ${w.seq}, but the chain ends at ${lastSeq ?? 'nothing'}: events and checkpoints were deleted at the end` });
      continue;
    }
    if (firstSeq !== undefined && w.seq < firstSeq) continue; // pruned by retention since
    const hash = hashAt(w.seq);
    if (hash !== w.hash) {
      out.push({ kind: 'checkpoint', seq: w.seq, message: `the chain at event ${w.seq} does not match the checkpoint witnessed outside the store (line ${w.line}): events up to it were rewritten or deleted` });
    }
  }
  return out;
}
