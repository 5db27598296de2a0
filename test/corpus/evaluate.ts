// Runs every corpus through a compiled detector and tallies attacks blocked / benign passed,
// per attack class and per placement of the payload.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CompiledDetector, extractInputs, type Input, type RequestLike } from '../../src/detect/index.ts';
import { loadBenign } from './benign.ts';
import { type CrsCase, loadCrs } from './crs.ts';
import { loadLibinjection } from './libinjection.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '../..');
export const CORPORA = process.env.PORTCULLIS_CORPORA ?? resolve(REPO, '../shared/corpora');
export const BENIGN_DIR = join(here, 'benign');

export const CRS_FAMILIES: Record<string, string> = {
  '930': 'crs-930 lfi/traversal',
  '931': 'crs-931 rfi',
  '932': 'crs-932 rce',
  '933': 'crs-933 php',
  '934': 'crs-934 generic/node/ssrf',
  '941': 'crs-941 xss',
  '942': 'crs-942 sqli',
  '944': 'crs-944 java',
};

export interface Tally {
  attacks: number;
  blocked: number;
  benign: number;
  passed: number;
  na: number;
}

export interface Miss {
  group: string;
  id: string;
  kind: 'attack' | 'benign';
  detail: string;
}

export interface Results {
  byClass: Map<string, Tally>;
  /** As `byClass`, without the CRS attacks of rules that CRS runs only above the evaluated level. */
  byClassAtLevel: Map<string, Tally>;
  byPlacement: Map<string, Tally>;
  misses: Miss[];
  unlabelled: number;
}

const STD_HEADERS = new Set(['host', 'accept', 'accept-encoding', 'accept-language', 'content-length', 'content-type', 'connection', 'proxy-connection', 'keep-alive', 'cache-control']);

function placementOf(inp: Input): string {
  switch (inp.location) {
    case 'body':
      return inp.name.startsWith('$') ? 'json' : 'body';
    case 'json-key':
      return 'json';
    default:
      return inp.location;
  }
}

/** Where the payload of a request sits: the most symbol-laden input that is not boilerplate. */
export function placement(req: RequestLike): string {
  let best: Input | null = null;
  let bestScore = -1;
  for (const inp of extractInputs(req, { headers: 'all', ignoreHeaders: [], maxBodyLength: 1 << 20, maxParams: 1000, maxJsonDepth: 32, maxJsonItems: 10000 })) {
    if (inp.location === 'header' && (STD_HEADERS.has(inp.name) || (inp.name === 'user-agent' && /^(OWASP CRS test agent|corpus)$/.test(inp.value)))) continue;
    if (inp.location === 'path' && /^\/?(get|post|search)?\/?$/.test(inp.value)) continue;
    if (inp.location === 'xml' && inp.name === '#document') continue;
    for (const s of [inp.value, inp.location === 'path' ? '' : inp.name]) {
      const score = (s.match(/[^A-Za-z0-9 ]/g)?.length ?? 0) * 2 + Math.min(s.length, 200) / 100;
      if (score > bestScore) {
        bestScore = score;
        best = inp;
      }
    }
  }
  return best ? placementOf(best) : 'path';
}

const tally = (m: Map<string, Tally>, k: string): Tally => {
  let t = m.get(k);
  if (!t) m.set(k, (t = { attacks: 0, blocked: 0, benign: 0, passed: 0, na: 0 }));
  return t;
};

export function evaluate(detector: CompiledDetector, corpora = CORPORA, benignDir = BENIGN_DIR, paranoia = 2): Results {
  const byClass = new Map<string, Tally>();
  const byClassAtLevel = new Map<string, Tally>();
  const byPlacement = new Map<string, Tally>();
  const misses: Miss[] = [];
  let unlabelled = 0;
  const record = (group: string, id: string, kind: 'attack' | 'benign', req: RequestLike, level = 1) => {
    const v = detector.inspectRequest(req);
    const tallies = [tally(byClass, group), tally(byPlacement, placement(req)), ...(level <= paranoia ? [tally(byClassAtLevel, group)] : [])];
    if (kind === 'attack') {
      for (const t of tallies) {
        t.attacks++;
        if (v.blocked) t.blocked++;
      }
      if (!v.blocked) misses.push({ group, id, kind, detail: `score ${v.score}${level > 2 ? ` (PL${level} rule)` : ''}` });
    } else {
      for (const t of tallies) {
        t.benign++;
        if (!v.blocked) t.passed++;
      }
      if (v.blocked) misses.push({ group, id, kind, detail: v.matches.map((m) => `${m.class}/${m.rule}@${m.location}:${m.name} «${m.evidence}»`).join(' | ') });
    }
  };
  const crsRoot = join(corpora, 'crs-regression');
  if (existsSync(crsRoot)) {
    for (const c of loadCrs(crsRoot, Object.keys(CRS_FAMILIES)) as CrsCase[]) {
      const group = CRS_FAMILIES[c.family]!;
      if (c.kind === 'unlabelled') {
        unlabelled++;
        continue;
      }
      if (c.request === null) {
        tally(byClass, group).na++;
        if (c.paranoia <= paranoia) tally(byClassAtLevel, group).na++;
        continue;
      }
      record(group, c.id, c.kind, c.request, c.kind === 'attack' ? c.paranoia : 1);
    }
  }
  const libRoot = join(corpora, 'libinjection');
  if (existsSync(libRoot)) {
    for (const c of loadLibinjection(libRoot)) {
      const group = c.kind === 'benign' ? 'libinjection false_positives' : `libinjection ${c.kind}`;
      record(group, `${c.file}: ${c.line}`, c.kind === 'benign' ? 'benign' : 'attack', c.request);
    }
  }
  if (existsSync(benignDir)) for (const b of loadBenign(benignDir)) record('portcullis benign', b.id, 'benign', b.request);
  return { byClass, byClassAtLevel, byPlacement, misses, unlabelled };
}

export const rate = (n: number, d: number): number | null => (d === 0 ? null : n / d);

export function formatTable(title: string, m: Map<string, Tally>): string {
  const pct = (x: number | null) => (x === null ? '    -' : `${(x * 100).toFixed(1).padStart(5)}%`);
  const rows = [`${title.padEnd(34)} attacks blocked    TPR  benign passed    TNR  bal.acc  n/a`];
  const total: Tally = { attacks: 0, blocked: 0, benign: 0, passed: 0, na: 0 };
  const line = (k: string, t: Tally) => {
    const tpr = rate(t.blocked, t.attacks);
    const tnr = rate(t.passed, t.benign);
    const bal = tpr !== null && tnr !== null ? (tpr + tnr) / 2 : null;
    return `${k.padEnd(34)} ${String(t.attacks).padStart(7)} ${String(t.blocked).padStart(7)} ${pct(tpr)} ${String(t.benign).padStart(7)} ${String(t.passed).padStart(6)} ${pct(tnr)} ${pct(bal)} ${String(t.na).padStart(4)}`;
  };
  for (const [k, t] of [...m].sort((a, b) => a[0].localeCompare(b[0]))) {
    rows.push(line(k, t));
    for (const f of ['attacks', 'blocked', 'benign', 'passed', 'na'] as const) total[f] += t[f];
  }
  rows.push(line('total', total));
  return rows.join('\n');
}
