// `npm run corpus:gateway`: the corpora sent through a real gateway (examples/waf-only.yaml, attack
// detection at its default paranoia level, nothing else) to a real upstream, each test case as the raw
// HTTP request its corpus describes, over its own connection. What a deployment would see, HTTP parsing
// and framing included; `npm run corpus` is the same corpora through the engine alone, faster, for tuning.
//   PORTCULLIS_CORPORA=/path/to/corpora  CONCURRENCY=16  MISSES=<group substring> to list misses.
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import type { RequestLike } from '../../src/detect/index.ts';
import { startGateway } from '../../src/server/gateway.ts';
import { loadBenign } from './benign.ts';
import { loadCrs } from './crs.ts';
import { BENIGN_DIR, CORPORA, CRS_FAMILIES, placement, REPO } from './evaluate.ts';
import { loadLibinjection } from './libinjection.ts';

/** What happened to one request at the gateway. */
export type Outcome = 'blocked' | 'refused' | 'passed' | 'error';

export interface Case {
  group: string;
  id: string;
  kind: 'attack' | 'benign';
  placement: string;
  raw: Buffer;
  /** The decoded request the engine alone would see (none for raw encoded_request tests). */
  request: RequestLike | undefined;
}

interface Row {
  attacks: number;
  benign: number;
  outcomes: Record<'attack' | 'benign', Record<Outcome, number>>;
}

const TIMEOUT_MS = 10_000;

function rawRequest(req: RequestLike, version = 'HTTP/1.1'): Buffer {
  const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
  const uri = req.rawQuery === '' ? req.path : `${req.path}?${req.rawQuery}`;
  const lines = [`${req.method} ${uri} ${version}`];
  let host = false;
  for (const [name, value] of Object.entries(req.headers)) {
    const lower = name.toLowerCase();
    // Framing is the runner's: one request per connection, the body's real length.
    if (lower === 'content-length' || lower === 'connection' || lower === 'transfer-encoding') continue;
    if (lower === 'host') host = true;
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
  }
  if (!host) lines.push('Host: localhost');
  if (body !== undefined) lines.push(`Content-Length: ${body.length}`);
  lines.push('Connection: close', '', '');
  return body === undefined ? Buffer.from(lines.join('\r\n'), 'latin1') : Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), body]);
}

export function loadCases(): Case[] {
  const cases: Case[] = [];
  const crsRoot = join(CORPORA, 'crs-regression');
  if (existsSync(crsRoot)) {
    for (const c of loadCrs(crsRoot, Object.keys(CRS_FAMILIES))) {
      if (c.kind === 'unlabelled') continue;
      const group = CRS_FAMILIES[c.family]!;
      // Raw requests (encoded_request) go as they are: only a gateway can be tested with them.
      const raw = c.request === null ? c.rawRequest : rawRequest(c.request, c.version);
      if (raw === undefined) continue;
      cases.push({ group, id: c.id, kind: c.kind, placement: c.request === null ? 'raw' : placement(c.request), raw, request: c.request ?? undefined });
    }
  }
  const libRoot = join(CORPORA, 'libinjection');
  if (existsSync(libRoot)) {
    for (const c of loadLibinjection(libRoot)) {
      const group = c.kind === 'benign' ? 'libinjection false_positives' : `libinjection ${c.kind}`;
      cases.push({ group, id: `${c.file}: ${c.line}`, kind: c.kind === 'benign' ? 'benign' : 'attack', placement: 'query', raw: rawRequest(c.request), request: c.request });
    }
  }
  if (existsSync(BENIGN_DIR)) for (const b of loadBenign(BENIGN_DIR)) cases.push({ group: 'portcullis benign', id: b.id, kind: 'benign', placement: placement(b.request), raw: rawRequest(b.request), request: b.request });
  return cases;
}

/** Sends one raw request on its own connection; the status line and problem code decide the outcome. */
export async function send(port: number, raw: Buffer): Promise<Outcome> {
  const socket = connect(port, '127.0.0.1');
  socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error('timeout')));
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  try {
    await once(socket, 'connect');
    socket.write(raw); // not end(): a half-closed connection reads as a client gone
    await once(socket, 'close');
  } catch {
    // A reset after a refusal is still an answer; no answer at all is an error (below).
  }
  const response = Buffer.concat(chunks).toString('latin1');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(response)?.[1] ?? 0);
  if (status === 403 && response.includes('"code":"PCL_ERR_ATTACK_DETECTED"')) return 'blocked';
  if (status >= 400 && status < 500) return 'refused';
  if (status >= 200 && status < 400) return 'passed';
  return 'error';
}

/** examples/waf-only.yaml in front of an upstream that answers 200 to everything. */
export async function startWafGateway(): Promise<{ port: number; close(): Promise<void> }> {
  const upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('{"ok":true}'));
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const upstreamPort = (upstream.address() as { port: number }).port;
  const env = { ...process.env, UPSTREAM_URL: `http://127.0.0.1:${upstreamPort}`, PORT: '0', ADMIN_PORT: '0' };
  const gateway = await startGateway({ configPath: join(REPO, 'examples/waf-only.yaml'), logger: pino({ level: 'silent' }), env });
  return {
    port: Number(new URL(gateway.urls[0]!.url).port),
    async close() {
      await gateway.shutdown();
      upstream.close();
    },
  };
}

/** Sends every case, `concurrency` at a time; outcomes in the order of the cases. */
export async function sendAll(port: number, cases: readonly Case[], concurrency: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const i = next++;
      outcomes[i] = await send(port, cases[i]!.raw);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

async function main(): Promise<void> {
  const gateway = await startWafGateway();
  const cases = loadCases();
  const started = performance.now();
  const outcomes = await sendAll(gateway.port, cases, Number(process.env.CONCURRENCY ?? 16));
  const seconds = (performance.now() - started) / 1000;
  await gateway.close();

  const byGroup = new Map<string, Row>();
  const byPlacement = new Map<string, Row>();
  const rowOf = (m: Map<string, Row>, k: string) => {
    let r = m.get(k);
    if (!r) m.set(k, (r = { attacks: 0, benign: 0, outcomes: { attack: zero(), benign: zero() } }));
    return r;
  };
  cases.forEach((c, i) => {
    for (const row of [rowOf(byGroup, c.group), rowOf(byPlacement, c.placement)]) {
      if (c.kind === 'attack') row.attacks++;
      else row.benign++;
      row.outcomes[c.kind][outcomes[i]!]++;
    }
  });
  console.log(`corpora: ${CORPORA}  through examples/waf-only.yaml (default paranoia)  ${cases.length} requests in ${seconds.toFixed(0)} s\n`);
  console.log(table('per attack class', byGroup));
  console.log();
  console.log(table('per placement', byPlacement));
  console.log('\nblocked: 403 PCL_ERR_ATTACK_DETECTED. refused: another 4xx (malformed HTTP, too large...): the upstream never saw it either.');
  console.log('TPR counts blocked attacks only; TNR counts benign requests that reached the upstream.');
  const filter = process.env.MISSES;
  if (filter !== undefined) {
    cases.forEach((c, i) => {
      const missed = c.kind === 'attack' ? outcomes[i] !== 'blocked' : outcomes[i] !== 'passed';
      if (missed && `${c.group} ${c.kind}`.includes(filter)) console.log(`${c.kind === 'attack' ? 'MISS' : 'FP  '} ${c.group} ${c.id} ${outcomes[i]}`);
    });
  }
}

function zero(): Record<Outcome, number> {
  return { blocked: 0, refused: 0, passed: 0, error: 0 };
}

function table(title: string, rows: Map<string, Row>): string {
  const pct = (n: number, d: number) => (d === 0 ? '     -' : `${((n / d) * 100).toFixed(1).padStart(5)}%`);
  const out = [`${title.padEnd(30)} attacks blocked refused    TPR  benign passed blocked refused    TNR  errors`];
  for (const [k, r] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
    const a = r.outcomes.attack;
    const b = r.outcomes.benign;
    const cells = [r.attacks, a.blocked, a.refused].map((n, i) => String(n).padStart(i === 0 ? 7 : i === 1 ? 7 : 7));
    out.push(
      `${k.padEnd(30)} ${cells.join(' ')} ${pct(a.blocked, r.attacks)} ${String(r.benign).padStart(7)} ${String(b.passed).padStart(6)} ${String(b.blocked).padStart(7)} ${String(b.refused).padStart(7)} ${pct(b.passed, r.benign)} ${String(a.error + b.error).padStart(7)}`,
    );
  }
  return out.join('\n');
}

if (import.meta.main) await main();
