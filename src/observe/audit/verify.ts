// `portcullis audit-log verify`: rebuilds each chain by following the hash links (not the stored
// sequence numbers) from its start — the genesis hash, or the checkpoint retention kept as anchor —
// and reports where it breaks:
//   modified  an event's content no longer matches its hash;
//   deleted   the links jump over missing events (or the chain ends before a checkpoint's position);
//   inserted  an event is not on the chain at all;
//   reordered the chain visits events out of their sequence order;
//   checkpoint/signature  a checkpoint disagrees with the chain, or its signature is missing or wrong.
// An attacker who rewrites the database can recompute hashes; signed checkpoints catch that up to
// the last checkpoint. Events after it are only as safe as the database (docs/audit-trail.md): with a
// key, a chain without any valid signed checkpoint fails, the events past the last one are counted
// (`unsignedTail`, a limit fails it), and a start anchored on a checkpoint (retention) says when that
// checkpoint was taken, so deleting recent events as if retention had run shows. Checkpoints kept
// outside the store (a witness: the gateway's log, see witness.ts) catch a chain cut back to an earlier
// checkpoint.
import type { KeyObject } from 'node:crypto';
import type { AuditCheckpoint, AuditRecord, AuditStore } from '../../store/audit.ts';
import { eventHash, GENESIS } from './hash.ts';
import { checkSignature } from './signer.ts';
import { checkWitness, type Witnessed } from './witness.ts';

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
  /** With a key: events past the last checkpoint with a valid signature (vouched for by nothing). */
  readonly unsignedTail: number | undefined;
  /** The checkpoint the chain starts from when its beginning was pruned (retention), if any. */
  readonly anchor: { readonly seq: number; readonly time: number } | undefined;
  readonly problems: VerifyProblem[];
}

export interface VerifyOptions {
  /** Chains that must exist (asked for by name): one with neither events nor checkpoints fails. */
  readonly expected?: readonly string[] | undefined;
  /** With a key: more events than this past the last signed checkpoint fails the chain. */
  readonly maxUnsigned?: number | undefined;
  /** Retention in ms: a chain starting at a checkpoint taken more recently than this fails. */
  readonly retentionMs?: number | undefined;
  readonly now?: number | undefined;
  /** Checkpoints witnessed outside the store (any chain): each must be on its chain. */
  readonly witness?: readonly Witnessed[] | undefined;
}

const PAGE = 2000;

export async function verifyStore(store: AuditStore, publicKey: KeyObject | undefined, chains?: readonly string[], options: VerifyOptions = {}): Promise<ChainReport[]> {
  const out: ChainReport[] = [];
  // A chain that has a witness but nothing left in the store was deleted whole.
  const all = chains ?? [...new Set([...(await store.chains()), ...(options.witness ?? []).map((w) => w.chain)])];
  for (const chain of all) out.push(await verifyChain(store, chain, publicKey, { ...options, expected: chains ?? options.expected }));
  return out;
}

export async function verifyChain(store: AuditStore, chain: string, publicKey: KeyObject | undefined, options: VerifyOptions = {}): Promise<ChainReport> {
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
  let lastSigned: number | undefined;
  for (const cp of checkpoints) {
    if (publicKey) {
      if (checkSignature(cp, publicKey)) {
        signed++;
        if (bySeq.get(cp.seq)?.hash === cp.hash && (lastSigned === undefined || cp.seq > lastSigned)) lastSigned = cp.seq;
      } else problem('signature', cp.seq, `checkpoint at event ${cp.seq}: ${cp.signature === null ? 'not signed' : 'the signature does not match (forged or altered checkpoint, or another key)'}`);
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
  if (rows.length === 0 && checkpoints.length === 0 && options.expected?.includes(chain)) {
    problem('deleted', 0, `chain ${chain} has no events and no checkpoints: it was deleted, or never written here`);
  }
  let unsignedTail: number | undefined;
  if (publicKey && rows.length > 0) {
    unsignedTail = path.filter((i) => lastSigned === undefined || rows[i]!.seq > lastSigned).length;
    if (signed === 0) {
      problem('signature', lastSeq!, 'no checkpoint of this chain carries a valid signature: nothing authenticates its events (checkpoints deleted, or the chain rewritten)');
    } else if (options.maxUnsigned !== undefined && unsignedTail > options.maxUnsigned) {
      problem('signature', lastSigned ?? lastSeq!, `${unsignedTail} events after the last signed checkpoint${lastSigned === undefined ? '' : ` (event ${lastSigned})`} are vouched for by no signature (more than ${options.maxUnsigned}): the end of the chain may have been rewritten`);
    }
  }
  // A beginning pruned by retention starts at a checkpoint: it must be as old as retention says.
  const startCp = rows.length > 0 && !rows.some((r) => r.prevHash === GENESIS) ? checkpoints.find((c) => c.hash === rows[path[0] ?? 0]?.prevHash) : undefined;
  const anchor = startCp ? { seq: startCp.seq, time: startCp.time } : undefined;
  if (anchor && options.retentionMs !== undefined && anchor.time > (options.now ?? Date.now()) - options.retentionMs) {
    problem('deleted', anchor.seq, `events up to ${anchor.seq} are gone although the checkpoint after them was taken ${new Date(anchor.time).toISOString()}, within the retention: deleted, not pruned`);
  }
  const witnessed = options.witness?.filter((w) => w.chain === chain);
  if (witnessed?.length) {
    const view = { hashes: new Set(path.map((i) => rows[i]!.hash)), anchor: startCp && { hash: startCp.hash, time: startCp.time }, lastSeq, retentionMs: options.retentionMs, now: options.now ?? Date.now() };
    for (const w of checkWitness(witnessed, view, publicKey)) problem(w.kind, w.seq, w.message);
  }
  problems.sort((a, b) => a.seq - b.seq);
  return { chain, events: rows.length, firstSeq: rows[0]?.seq, lastSeq, checkpoints: checkpoints.length, signedCheckpoints: signed, unsignedTail, anchor, problems };
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
