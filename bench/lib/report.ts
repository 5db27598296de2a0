// The printed table and the JSON result shapes.
import type { LoadResult } from './load.ts';
import type { TargetKind } from './targets.ts';
import type { Scenario } from '../scenarios.ts';

export interface Measured extends LoadResult {
  // CPU used during the measured window, in cores (1.00 = one core busy all the time)
  cpu: { target: number; upstream: number; loadgen: number; other: number };
  cpuUsPerRequest: number; // target CPU time per request, in microseconds (less sensitive to noise than req/s)
}

export interface TargetResult {
  name: string;
  kind: TargetKind;
  config?: string;
  status: 'ok' | 'unavailable' | 'failed to start' | 'unexpected response' | 'load failed';
  reason?: string;
  firstStatus?: number;
  log?: string;
  runs: Measured[];
  result?: Measured; // the median run by req/s
}

export interface ScenarioResult {
  scenario: Omit<Scenario, 'targets'>;
  reference: string;
  targets: TargetResult[];
  /** Measured with --together: ratios are of CPU time per request, round by round. */
  together?: boolean;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const cores = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '?');
const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toFixed(2)}×` : '—');

// Throughput of `a` over that of `b`: from req/s, or with --together (where the targets share one CPU,
// not always evenly) from CPU time per request, which is what throughput on a CPU of one's own follows.
function throughputRatio(together: boolean | undefined, a: Measured | undefined, b: Measured | undefined): number | undefined {
  if (!a || !b) return undefined;
  return together ? b.cpuUsPerRequest / a.cpuUsPerRequest : a.rps / b.rps;
}

export function table(result: ScenarioResult): string {
  const ref = result.targets.find((t) => t.name === result.reference)?.result;
  const head = ['target', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'cpu target', 'µs cpu/req', 'cpu other', `${result.reference} ÷ row ${result.together ? 'throughput' : 'req/s'}`, `${result.reference} ÷ row p99`];
  const rows: string[][] = result.targets.map((t) => {
    const r = t.result;
    if (!r) return [t.name, t.status + (t.reason ? `: ${t.reason.split('\n')[0]}` : '')];
    return [t.name, int(r.rps), ms(r.latencyMs.p50), ms(r.latencyMs.p99), int(r.non2xx), int(r.errors), cores(r.cpu.target), Number.isFinite(r.cpuUsPerRequest) ? r.cpuUsPerRequest.toFixed(1) : '?', cores(r.cpu.other), ratio(throughputRatio(result.together, ref, r), 1), ratio(ref?.latencyMs.p99, r.latencyMs.p99)];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.filter((r) => r.length > 2).map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.length === 2
    ? `  ${cells[0]!.padEnd(widths[0]!)}  ${cells[1]}`
    : `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`;
  return [line(head), `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`, ...rows.map(line)].join('\n');
}

export function yardstickLine(result: ScenarioResult): string | null {
  const goal = result.scenario.yardstick;
  if (!goal) return null;
  const ref = result.targets.find((t) => t.name === result.reference);
  const stick = result.targets.find((t) => t.name === goal.target)?.result;
  if (!ref || !stick) return null;
  if (!ref.result) return `goal: ${result.reference} ÷ ${goal.target} >= ${goal.min.toFixed(2)}: not measured (${ref.status})`;
  if (result.together) {
    // Round by round: both targets were measured in the same seconds.
    const stickRuns = result.targets.find((t) => t.name === goal.target)!.runs;
    const rounds = ref.runs.map((r, i) => throughputRatio(true, r, stickRuns[i])!).filter(Number.isFinite).sort((a, b) => a - b);
    const value = rounds[Math.floor((rounds.length - 1) / 2)]!;
    return `goal: ${result.reference} ÷ ${goal.target} throughput = ${value.toFixed(2)} (>= ${goal.min.toFixed(2)}; median of ${rounds.length} rounds, ${rounds[0]!.toFixed(2)}–${rounds.at(-1)!.toFixed(2)}): ${value >= goal.min ? 'met' : 'NOT met'}`;
  }
  const value = ref.result.rps / stick.rps;
  return `goal: ${result.reference} ÷ ${goal.target} = ${value.toFixed(2)} (>= ${goal.min.toFixed(2)}): ${value >= goal.min ? 'met' : 'NOT met'}`;
}
