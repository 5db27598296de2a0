// `portcullis audit-log verify`: rebuilds each chain by following the hash links (not the stored
// sequence numbers) from its start — the genesis hash, or the checkpoint retention kept as anchor —
// and reports where it breaks:
//   modified  an event's content no longer matches its hash;
//   deleted   the links jump over missing events (or the chain ends before a checkpoint's position);
//   inserted  an event is not on the chain at all;
//   reordered the chain visits events out of their sequence order, or a checkpoint's event was renumbered;
//   checkpoint/signature  a checkpoint disagrees with the chain, or its signature is missing or wrong.
// An attacker who rewrites the database can recompute hashes; signed checkpoints catch that up to
// the last checkpoint. Events after it are only as safe as the database (docs/audit-trail.md): with a
// key, a chain without any valid signed checkpoint fails, the events past the last one are counted
// (`unsignedTail`, a limit fails it), and a start anchored on a checkpoint (retention) says when that
// checkpoint was taken, so deleting recent events as if retention had run shows (with retention 0 no
// start may be anchored at all). Checkpoints kept outside the store (a witness: the gateway's log, see
// witness.ts) catch a chain cut back to an earlier checkpoint. Linear in the events, whatever the damage.
import type { KeyObject } from 'node:crypto';
import type { AuditCheckpoint, AuditRecord, AuditStore } from '../../store/audit.ts';
import { UNSTORABLE } from './event.ts';
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
  /** Seqs of placeholder events: each stands for an event the store refused (its content is lost). */
  readonly placeholders: number[];
  readonly problems: VerifyProblem[];
}

export interface VerifyOptions {
  /** Chains that must exist (asked for by name): one with neither events nor checkpoints fails. */
  readonly expected?: readonly string[] | undefined;
  /** With a key: more events than this past the last signed checkpoint fails the chain. */
  readonly maxUnsigned?: number | undefined;
  /**
   * Retention in ms: a chain starting at a checkpoint taken more recently than this fails; 0: events are
   * kept forever, so a chain not starting at its first event fails; undefined: not known (a witnessed
   * checkpoint before the chain's start then fails: pruning cannot be told from deletion).
   */
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
    for (const r of page) rows.push(r);
    if (page.length < PAGE) break;
    after = { seq: page.at(-1)!.seq, id: page.at(-1)!.id! };
  }
  const checkpoints = await store.checkpoints(chain);
  const problems: VerifyProblem[] = [];
  const problem = (kind: ProblemKind, seq: number, message: string, id?: number) => problems.push({ kind, chain, seq, id, message });
  const now = options.now ?? Date.now();

  const { path, follows } = followLinks(rows, checkpoints, problem);
  const onPath = new Uint8Array(rows.length);
  for (const i of path) onPath[i] = 1;
  rows.forEach((r, i) => {
    if (!onPath[i]) problem('inserted', r.seq, `event ${r.seq} (id ${r.id}) is not part of the chain: no event follows it and it follows none of the chain's events`, r.id);
    else if (eventHash(r, r.prevHash) !== r.hash) problem('modified', r.seq, `event ${r.seq} (id ${r.id}) was modified: its content no longer matches its hash`, r.id);
  });
  // Sequence numbers are not hashed: the links give the order, and the numbers must agree with it.
  const reordered = new Set<number>();
  for (let k = 1; k < path.length; k++) {
    const prev = rows[path[k - 1]!]!;
    const cur = rows[path[k]!]!;
    if (cur.seq < prev.seq) {
      reordered.add(cur.seq).add(prev.seq);
      problem('reordered', cur.seq, `events were reordered: event ${cur.seq} (id ${cur.id}) comes after event ${prev.seq} (id ${prev.id}) in the chain (sequence numbers swapped, or events moved)`, cur.id);
    }
  }

  // Checkpoints are matched by hash (their own seq is signed; the events' stored seq is not).
  const position = new Map<string, number>();
  path.forEach((i, k) => position.set(rows[i]!.hash, k));
  const bySeq = new Map(path.map((i) => [rows[i]!.seq, rows[i]!] as const));
  const valid = checkpoints.map((cp) => (publicKey ? checkSignature(cp, publicKey) : true));
  // Where the chain ends, counted from the last trusted checkpoint on it: renumbering the events does not move it.
  let lastSignedAt: number | undefined;
  let endSeq = rows.length > 0 ? rows.at(-1)!.seq : undefined;
  let latest = -1;
  checkpoints.forEach((cp, n) => {
    const k = position.get(cp.hash);
    if (k === undefined || !valid[n]) return;
    if (publicKey && (lastSignedAt === undefined || k > lastSignedAt)) lastSignedAt = k;
    if (k > latest) {
      latest = k;
      endSeq = cp.seq + (path.length - 1 - k);
    }
  });
  const lastSeq = rows.at(-1)?.seq;
  let signed = 0;
  checkpoints.forEach((cp, n) => {
    if (publicKey) {
      if (valid[n]) signed++;
      else problem('signature', cp.seq, `checkpoint at event ${cp.seq}: ${cp.signature === null ? 'not signed' : 'the signature does not match (forged or altered checkpoint, or another key)'}`);
    } else if (cp.signature !== null) signed++;
    const k = position.get(cp.hash);
    if (k !== undefined) {
      const at = rows[path[k]!]!;
      if (at.seq !== cp.seq && !reordered.has(cp.seq) && !reordered.has(at.seq)) {
        problem('reordered', cp.seq, `checkpoint at event ${cp.seq} vouches for the event now numbered ${at.seq} (id ${at.id}): sequence numbers were changed (the events up to it are intact)`, at.id);
      }
    } else if (follows.has(cp.hash)) {
      // The event it vouches for is gone but the next one links to it: the start of a pruned chain, or a deletion reported above.
    } else if (endSeq === undefined || cp.seq > endSeq) {
      problem('deleted', cp.seq, `events up to ${cp.seq} were vouched for by a checkpoint but the chain ends at ${endSeq ?? 'nothing'}: events were deleted at the end`);
    } else if (bySeq.has(cp.seq)) {
      problem('checkpoint', cp.seq, `checkpoint at event ${cp.seq} does not match the chain: the event at its position has another hash, so events up to it were changed (hashes recomputed)`, bySeq.get(cp.seq)!.id);
    } else {
      problem('checkpoint', cp.seq, `checkpoint at event ${cp.seq} matches no event of the chain`);
    }
  });
  if (rows.length === 0 && checkpoints.length === 0 && options.expected?.includes(chain)) {
    problem('deleted', 0, `chain ${chain} has no events and no checkpoints: it was deleted, or never written here`);
  }
  let unsignedTail: number | undefined;
  if (publicKey && rows.length > 0) {
    unsignedTail = path.length - 1 - (lastSignedAt ?? -1);
    const lastSigned = lastSignedAt === undefined ? undefined : rows[path[lastSignedAt]!]!.seq;
    if (signed === 0) {
      problem('signature', lastSeq!, 'no checkpoint of this chain carries a valid signature: nothing authenticates its events (checkpoints deleted, or the chain rewritten)');
    } else if (options.maxUnsigned !== undefined && unsignedTail > options.maxUnsigned) {
      problem('signature', lastSigned ?? lastSeq!, `${unsignedTail} events after the last signed checkpoint${lastSigned === undefined ? '' : ` (event ${lastSigned})`} are vouched for by no signature (more than ${options.maxUnsigned}): the end of the chain may have been rewritten`);
    }
  }
  // A beginning pruned by retention starts at a checkpoint: it must be as old as the retention says,
  // and with events kept forever (retention 0) there is no pruned beginning at all.
  const startCp = rows.length > 0 && !follows.has(GENESIS) ? checkpoints.find((c) => c.hash === rows[path[0] ?? 0]?.prevHash) : undefined;
  const anchor = startCp ? { seq: startCp.seq, time: startCp.time } : undefined;
  if (anchor && options.retentionMs === 0) {
    problem('deleted', anchor.seq, `events up to ${anchor.seq} are gone although the retention is 0 (events are kept forever): deleted, not pruned (if the retention was shorter when they went, verify with --retention set to it)`);
  } else if (anchor && options.retentionMs !== undefined && anchor.time > now - options.retentionMs) {
    problem('deleted', anchor.seq, `events up to ${anchor.seq} are gone although the checkpoint after them was taken ${new Date(anchor.time).toISOString()}, within the retention: deleted, not pruned`);
  }
  const witnessed = options.witness?.filter((w) => w.chain === chain);
  if (witnessed?.length) {
    const view = { hashes: new Set(position.keys()), anchor: startCp && { hash: startCp.hash, time: startCp.time }, lastSeq: endSeq, retentionMs: options.retentionMs, now };
    for (const w of checkWitness(witnessed, view, publicKey)) problem(w.kind, w.seq, w.message);
  }
  problems.sort((a, b) => a.seq - b.seq);
  const placeholders = rows.filter((r) => r.reason === UNSTORABLE).map((r) => r.seq);
  return { chain, events: rows.length, firstSeq: rows[0]?.seq, lastSeq, checkpoints: checkpoints.length, signedCheckpoints: signed, unsignedTail, anchor, placeholders, problems };
}

/**
 * Indexes of the rows in chain order, following prevHash links from the chain's start (and the set of
 * hashes some row links to). Where the links stop before every row is reached, the gap is reported
 * (deleted) and the walk resumes at the next row whose predecessor is missing. Linear in the rows:
 * each row is taken once, and the rows that start a segment are visited in order by one cursor.
 */
function followLinks(
  rows: readonly AuditRecord[],
  checkpoints: readonly AuditCheckpoint[],
  problem: (kind: ProblemKind, seq: number, message: string, id?: number) => void,
): { path: number[]; follows: ReadonlySet<string> } {
  const byPrev = new Map<string, number[]>();
  const hashes = new Set<string>();
  rows.forEach((r, i) => {
    const list = byPrev.get(r.prevHash);
    if (list) list.push(i);
    else byPrev.set(r.prevHash, [i]);
    hashes.add(r.hash);
  });
  // A fork (several rows after one hash): the row the chain goes on from is the genuine one, the
  // others were inserted. So each list puts the rows that something follows first (row order kept).
  const next = new Map<string, { readonly list: readonly number[]; at: number }>();
  for (const [prev, list] of byPrev) {
    const ordered = list.length === 1 ? list : [...list.filter((i) => byPrev.has(rows[i]!.hash)), ...list.filter((i) => !byPrev.has(rows[i]!.hash))];
    next.set(prev, { list: ordered, at: 0 });
  }
  const visited = new Uint8Array(rows.length);
  const take = (prev: string): number | undefined => {
    const entry = next.get(prev);
    if (entry === undefined) return undefined;
    while (entry.at < entry.list.length && visited[entry.list[entry.at]!]) entry.at++;
    return entry.list[entry.at];
  };
  // Rows whose predecessor is not in the log, in row (seq) order: where segments start.
  const starts: number[] = [];
  rows.forEach((r, i) => {
    if (!hashes.has(r.prevHash)) starts.push(i);
  });
  let startAt = 0;
  const nextStart = (): number | undefined => {
    while (startAt < starts.length && visited[starts[startAt]!]) startAt++;
    return starts[startAt];
  };

  const path: number[] = [];
  // Where the chain starts: genesis, or a checkpoint retention kept as the anchor of what remains.
  let cur: string | undefined = byPrev.has(GENESIS) ? GENESIS : checkpoints.find((c) => byPrev.has(c.hash))?.hash;
  let prevSeq = 0;
  if (cur === undefined && rows.length > 0) {
    const start = nextStart();
    if (start !== undefined) {
      problem('deleted', rows[start]!.seq, `the chain's beginning is missing: event ${rows[start]!.seq} follows an event that is not in the log (deleted before it)`, rows[start]!.id);
      cur = rows[start]!.prevHash;
    }
  }
  while (cur !== undefined) {
    const n = take(cur);
    if (n !== undefined) {
      visited[n] = 1;
      path.push(n);
      prevSeq = rows[n]!.seq;
      cur = rows[n]!.hash;
      continue;
    }
    const start = nextStart();
    if (start === undefined) break;
    const r = rows[start]!;
    problem('deleted', r.seq, `events are missing before event ${r.seq} (id ${r.id}): it follows an event that is not in the log (after event ${prevSeq})`, r.id);
    cur = r.prevHash;
  }
  return { path, follows: new Set(byPrev.keys()) };
}
