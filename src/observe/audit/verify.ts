// `portcullis audit-log verify`: rebuilds each chain by following the hash links (not the stored
// sequence numbers) from its start — the genesis hash, or the checkpoint retention kept as anchor —
// and reports where it breaks:
//   modified  an event's content no longer matches its hash;
//   deleted   the links jump over missing events (or the chain ends before a checkpoint's position);
//   inserted  an event is not on the chain at all;
//   reordered the chain visits events out of their sequence order;
//   checkpoint/signature  a checkpoint disagrees with the chain, or its signature is missing or wrong.
// An attacker who rewrites the database can recompute hashes; signed checkpoints catch that up to
// the last checkpoint. Events after it are only as safe as the database (docs/audit-trail.md).
import type { KeyObject } from 'node:crypto';
import type { AuditCheckpoint, AuditRecord, AuditStore } from '../../store/audit.ts';
import { eventHash, GENESIS } from './hash.ts';
import { checkSignature } from './signer.ts';

export type ProblemKind = 'modified' | 'deleted' | 'inserted' | 'reordered' | 'checkpoint' | 'signature';

export interface VerifyProblem {
  readonly kind: ProblemKind;
  readonly chain: string;
  /** Sequence number the problem is at (the event's, or the checkpoint's). */
  readonly seq: number;
  /** Store id of the event, when there is one. */
  readonly id?: number | undefined;
  readonly message: string;
}

export interface ChainReport {
  readonly chain: string;
  readonly events: number;
  readonly firstSeq: number | undefined;
  readonly lastSeq: number | undefined;
  readonly checkpoints: number;
  readonly signedCheckpoints: number;
  readonly problems: VerifyProblem[];
}

const PAGE = 2000;

export async function verifyStore(store: AuditStore, publicKey: KeyObject | undefined, chains?: readonly string[]): Promise<ChainReport[]> {
  const out: ChainReport[] = [];
  for (const chain of chains ?? (await store.chains())) out.push(await verifyChain(store, chain, publicKey));
  return out;
}

export async function verifyChain(store: AuditStore, chain: string, publicKey: KeyObject | undefined): Promise<ChainReport> {
  const rows: AuditRecord[] = [];
  for (let after = { seq: -1, id: 0 }; ; ) {
    const page = await store.scan(chain, after, PAGE);
    rows.push(...page);
    if (page.length < PAGE) break;
    after = { seq: page.at(-1)!.seq, id: page.at(-1)!.id! };
  }
  const checkpoints = await store.checkpoints(chain);
  const problems: VerifyProblem[] = [];
  const problem = (kind: ProblemKind, seq: number, message: string, id?: number) => problems.push({ kind, chain, seq, id, message });

  const modified = rows.map((r) => eventHash(r, r.prevHash) !== r.hash);
  const path = followLinks(rows, checkpoints, problem);

  const onPath = new Set(path);
  rows.forEach((r, i) => {
    if (!onPath.has(i)) problem('inserted', r.seq, `event ${r.seq} (id ${r.id}) is not part of the chain: no event follows it and it follows none of the chain's events`, r.id);
    else if (modified[i]) problem('modified', r.seq, `event ${r.seq} (id ${r.id}) was modified: its content no longer matches its hash`, r.id);
  });
  for (let k = 1; k < path.length; k++) {
    const prev = rows[path[k - 1]!]!;
    const cur = rows[path[k]!]!;
    if (cur.seq < prev.seq) problem('reordered', cur.seq, `events were reordered: event ${cur.seq} (id ${cur.id}) comes after event ${prev.seq} in the chain`, cur.id);
  }

  const bySeq = new Map(path.map((i) => [rows[i]!.seq, rows[i]!] as const));
  const lastSeq = rows.at(-1)?.seq;
  let signed = 0;
  for (const cp of checkpoints) {
    if (publicKey) {
      if (checkSignature(cp, publicKey)) signed++;
      else problem('signature', cp.seq, `checkpoint at event ${cp.seq}: ${cp.signature === null ? 'not signed' : 'the signature does not match (forged or altered checkpoint, or another key)'}`);
    } else if (cp.signature !== null) signed++;
    const at = bySeq.get(cp.seq);
    if (at) {
      if (at.hash !== cp.hash) problem('checkpoint', cp.seq, `checkpoint at event ${cp.seq} does not match the chain: events up to it were changed (hashes recomputed)`, at.id);
    } else if (lastSeq === undefined || cp.seq > lastSeq) {
      problem('deleted', cp.seq, `events up to ${cp.seq} were vouched for by a checkpoint but the chain ends at ${lastSeq ?? 'nothing'}: events were deleted at the end`);
    } else if (!rows.some((r) => r.prevHash === cp.hash)) {
      problem('checkpoint', cp.seq, `checkpoint at event ${cp.seq} matches no event of the chain`);
    }
  }
  problems.sort((a, b) => a.seq - b.seq);
  return { chain, events: rows.length, firstSeq: rows[0]?.seq, lastSeq, checkpoints: checkpoints.length, signedCheckpoints: signed, problems };
}

/**
 * Indexes of the rows in chain order, following prevHash links from the chain's start. Where the
 * links stop before every row is reached, the gap is reported (deleted) and the walk resumes at the
 * next row whose predecessor is missing.
 */
function followLinks(rows: readonly AuditRecord[], checkpoints: readonly AuditCheckpoint[], problem: (kind: ProblemKind, seq: number, message: string, id?: number) => void): number[] {
  const byPrev = new Map<string, number[]>();
  const hashes = new Set<string>();
  rows.forEach((r, i) => {
    const list = byPrev.get(r.prevHash);
    if (list) list.push(i);
    else byPrev.set(r.prevHash, [i]);
    hashes.add(r.hash);
  });
  const continues = (i: number) => byPrev.has(rows[i]!.hash);
  const visited = new Set<number>();
  const path: number[] = [];
  // Where the chain starts: genesis, or a checkpoint retention kept as the anchor of what remains.
  let cur: string | undefined = byPrev.has(GENESIS) ? GENESIS : checkpoints.find((c) => byPrev.has(c.hash))?.hash;
  let prevSeq = 0;
  if (cur === undefined && rows.length > 0) {
    const start = nextStart(rows, hashes, visited);
    if (start !== undefined) {
      problem('deleted', rows[start]!.seq, `the chain's beginning is missing: event ${rows[start]!.seq} follows an event that is not in the log (deleted before it)`, rows[start]!.id);
      cur = rows[start]!.prevHash;
    }
  }
  while (cur !== undefined) {
    const candidates = (byPrev.get(cur) ?? []).filter((i) => !visited.has(i));
    if (candidates.length > 0) {
      // A fork: the event the chain goes on from is the genuine one; the other was inserted.
      const next = candidates.find(continues) ?? candidates[0]!;
      visited.add(next);
      path.push(next);
      prevSeq = rows[next]!.seq;
      cur = rows[next]!.hash;
      continue;
    }
    const start = nextStart(rows, hashes, visited);
    if (start === undefined) break;
    const r = rows[start]!;
    problem('deleted', r.seq, `events are missing before event ${r.seq} (id ${r.id}): it follows an event that is not in the log (after event ${prevSeq})`, r.id);
    cur = r.prevHash;
  }
  return path;
}

/** The unvisited row of lowest seq whose predecessor is not in the log (the start of a segment). */
function nextStart(rows: readonly AuditRecord[], hashes: ReadonlySet<string>, visited: ReadonlySet<number>): number | undefined {
  for (let i = 0; i < rows.length; i++) if (!visited.has(i) && !hashes.has(rows[i]!.prevHash)) return i;
  return undefined;
}
