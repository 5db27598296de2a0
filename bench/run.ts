// npm run bench: throughput and latency of Portcullis and its peers, same load generator, same upstream,
// one target at a time. See bench/README.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad, type LoadResult, type LoadSpec, type Tool } from './lib/load.ts';
import {
  clockTicksPerSecond, groupTicks, installCleanup, machineBusyTicks, start, stop, stopAll, tail, tasksetAvailable, waitReady, freePort, type Proc,
} from './lib/procs.ts';
import { table, yardstickLine, type Measured, type ScenarioResult, type TargetResult } from './lib/report.ts';
import { has, root, startTarget, Unavailable, type TargetSpec } from './lib/targets.ts';
import { ensureTools } from './lib/tools.ts';
import { defaultScenario, portcullis, scenarios, type Scenario } from './scenarios.ts';

const usage = `usage: node bench/run.ts [options]
  --scenario <names>    comma-separated scenario names, or "all" (default: ${defaultScenario})
  --only <targets>      only these targets, comma-separated (e.g. minimal-proxy,portcullis)
  --duration <s>        measured seconds per target (default 10)
  --warmup <s>          warm-up seconds per target, not measured (default 3)
  --connections <n>     concurrent keep-alive connections (default 50)
  --runs <n>            measured runs per target; the median by req/s is reported (default 1)
  --pick median|quietest which run the table shows with --runs N: the median by req/s, or the run with
                        the least CPU used by processes outside the benchmark (default median)
  --tool wrk|autocannon load generator (default: wrk when installed, else autocannon)
  --wait-idle <s>       before each target, wait up to this long for the machine to be idle (default 0)
  --together            measure a scenario's targets at the same time, all on the target CPU, each with
                        its own load generator; ratios are then of CPU time per request, round by round
                        (a noisy machine slows them all alike; see bench/README.md)
  --no-pin              do not pin processes to CPUs with taskset
  --no-install          do not apt-get install missing wrk/nginx
  --config <name=file>  also measure the gateway with this config in every chosen scenario (repeatable;
                        e.g. --config no-log=/tmp/passthrough-no-log.yaml), to compare variants in one run
  --checkout <name=dir> also measure every Portcullis target of the chosen scenarios run from another
                        checkout of the repository, as <target>@<name> (repeatable; e.g. a worktree of
                        the previous commit: --checkout base=/tmp/base), to compare code versions in one run
  --list                list scenarios and their targets, then exit
scenarios: ${scenarios.map((s) => s.name).join(', ')}`;

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: defaultScenario },
    only: { type: 'string' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    runs: { type: 'string', default: '1' },
    tool: { type: 'string' },
    pick: { type: 'string', default: 'median' },
    'wait-idle': { type: 'string', default: '0' },
    together: { type: 'boolean', default: false },
    'no-pin': { type: 'boolean', default: false },
    'no-install': { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
    config: { type: 'string', multiple: true, default: [] },
    checkout: { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${usage}\n`);
  process.exit(2);
}

function seconds(text: string, name: string, min: number): number {
  const m = /^(\d+(?:\.\d+)?)(s|m)?$/.exec(text.trim());
  if (!m) fail(`--${name}: expected seconds like 10 or 10s or 1m, got "${text}"`);
  const value = Number(m[1]) * (m[2] === 'm' ? 60 : 1);
  if (value < min) fail(`--${name}: at least ${min}`);
  return value;
}

function positive(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) fail(`--${name}: expected a positive integer, got "${text}"`);
  return value;
}

if (values.help) { process.stdout.write(`${usage}\n`); process.exit(0); }
if (values.list) {
  for (const s of scenarios) process.stdout.write(`${s.name.padEnd(12)} ${s.method} ${s.path}  ${s.description}\n${' '.repeat(13)}targets: ${s.targets.map((t) => t.name).join(', ')}\n`);
  process.exit(0);
}

const duration = seconds(values.duration, 'duration', 1);
const warmup = seconds(values.warmup, 'warmup', 0);
const connections = positive(values.connections, 'connections');
const runs = positive(values.runs, 'runs');
const waitIdle = seconds(values['wait-idle'], 'wait-idle', 0);
const chosen = values.scenario === 'all' ? scenarios : values.scenario.split(',').map((name) => scenarios.find((s) => s.name === name.trim()) ?? fail(`unknown scenario "${name}"`));
const extraTargets = values.config.map((entry) => {
  const eq = entry.indexOf('=');
  if (eq < 1 || eq === entry.length - 1) fail(`--config: expected name=file, got "${entry}"`);
  return portcullis(entry.slice(0, eq), entry.slice(eq + 1));
});
const checkouts = values.checkout.map((entry) => {
  const eq = entry.indexOf('=');
  if (eq < 1 || eq === entry.length - 1) fail(`--checkout: expected name=dir, got "${entry}"`);
  const dir = resolve(entry.slice(eq + 1));
  if (!existsSync(join(dir, 'src/cli/main.ts'))) fail(`--checkout: ${dir} is not a checkout of this repository (no src/cli/main.ts)`);
  return { name: entry.slice(0, eq), dir };
});
const withExtras = (targets: readonly TargetSpec[]) => {
  const all = [...targets, ...extraTargets];
  const copy = (t: TargetSpec, c: { name: string; dir: string }): TargetSpec => ({ ...t, name: `${t.name}@${c.name}`, checkout: c.dir });
  return [...all, ...checkouts.flatMap((c) => all.filter((t) => t.kind === 'portcullis').map((t) => copy(t, c)))];
};
const wanted = extraTargets.length === 0 && checkouts.length === 0 ? chosen : chosen.map((s) => ({ ...s, targets: withExtras(s.targets) }));
const only = values.only ? new Set(values.only.split(',').map((s) => s.trim())) : null;
if (only) {
  const known = new Set(wanted.flatMap((s) => s.targets.map((t) => t.name)));
  for (const name of only) if (!known.has(name)) fail(`--only: no target "${name}" in the chosen scenarios (${[...known].join(', ')})`);
}
if (values.pick !== 'median' && values.pick !== 'quietest') fail(`--pick: median or quietest, got "${values.pick}"`);
if (values.tool !== undefined && values.tool !== 'wrk' && values.tool !== 'autocannon') fail(`--tool: wrk or autocannon, got "${values.tool}"`);

// ---- setup ---------------------------------------------------------------------------------------

const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
const resultsDir = join(root, 'bench', 'results');
const runDir = join(resultsDir, stamp);
mkdirSync(runDir, { recursive: true });
const tmpDir = mkdtempSync(join(tmpdir(), 'portcullis-bench-'));
let interrupted = false;
installCleanup(() => { interrupted = true; });
process.on('exit', () => rmSync(tmpDir, { recursive: true, force: true }));

const notes: string[] = [];
const needNginx = wanted.some((s) => s.targets.some((t) => t.kind === 'nginx' && (!only || only.has(t.name))));
const needWrk = values.tool !== 'autocannon';
notes.push(...ensureTools([...(needWrk ? ['wrk'] : []), ...(needNginx ? ['nginx'] : [])], !values['no-install']));
const tool: Tool = (values.tool as Tool | undefined) ?? (has('wrk') ? 'wrk' : 'autocannon');
if (tool === 'wrk' && !has('wrk')) fail('--tool wrk: wrk is not installed and could not be installed');
const toolVersion = tool === 'wrk'
  ? (spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout || '').split('\n')[0]!.trim()
  : `autocannon ${(await import('autocannon/package.json', { with: { type: 'json' } })).default.version}`;

// CPU layout: the target alone on the last CPU; load generator and upstream share the others.
const ncpu = cpus().length;
const pin = !values['no-pin'] && ncpu >= 2 && tasksetAvailable();
const targetCpus = pin ? String(ncpu - 1) : null;
const auxCpus = pin ? (ncpu === 2 ? '0' : `0-${ncpu - 2}`) : null;
if (!values['no-pin'] && !pin) notes.push(ncpu < 2 ? 'one CPU: processes not pinned' : 'taskset not found: processes not pinned');
const layout = pin ? `target on CPU ${targetCpus}; ${tool} and upstream on CPU ${auxCpus}` : 'not pinned';

const ticksPerSecond = clockTicksPerSecond();
const machineLoad = loadavg();
if (machineLoad[0]! > 0.5) notes.push(`machine not idle before the run: load average ${machineLoad.map((l) => l.toFixed(2)).join(' ')}; see the "cpu other" column`);

function say(text: string): void { process.stdout.write(`${text}\n`); }
const together = values.together;
say(`Portcullis benchmark: ${wanted.map((s) => s.name).join(', ')}; ${tool} (${toolVersion}), ${connections} connections, ${warmup} s warm-up + ${duration} s${runs > 1 ? ` × ${runs} runs (${values.pick} shown)` : ''} per target${together ? ', targets measured together on one CPU' : ''}`);
say(`node ${process.version}, ${ncpu} × ${cpus()[0]?.model ?? 'cpu'}; ${layout}`);
for (const note of notes) say(`note: ${note}`);

// ---- helpers -------------------------------------------------------------------------------------

function firstRequest(port: number, scenario: Scenario, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: scenario.path, method: scenario.method, headers, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(scenario.body);
  });
}

// Cores busy on the whole machine over one second (nothing of ours is busy between targets).
async function busyCores(): Promise<number> {
  const before = machineBusyTicks();
  await new Promise((r) => setTimeout(r, 1000));
  return (machineBusyTicks() - before) / ticksPerSecond;
}

async function waitForIdle(maxSeconds: number, threshold = 0.15): Promise<number> {
  const deadline = Date.now() + maxSeconds * 1000;
  let busy = await busyCores();
  while (busy > threshold && Date.now() < deadline && !interrupted) busy = await busyCores();
  return busy;
}

async function load(spec: LoadSpec, name: string): Promise<LoadResult> {
  const run = runLoad(tool, spec, { cpus: auxCpus, tmpDir, log: join(runDir, `${name}.${tool}.log`) });
  return run.result;
}

// Loads the targets at the same time (one load generator each) and measures what each got and used.
async function measureAll(entries: readonly { spec: LoadSpec; name: string; target: Proc }[], upstream: Proc): Promise<Measured[]> {
  const runs = entries.map((e) => runLoad(tool, e.spec, { cpus: auxCpus, tmpDir, log: join(runDir, `${e.name}.${tool}.log`) }));
  const groups = [...entries.map((e) => e.target.pid), upstream.pid, ...runs.map((r) => r.proc.pid)];
  const snapshot = () => ({ at: performance.now(), ticks: groupTicks(groups), machine: machineBusyTicks(), self: process.cpuUsage() });
  const before = snapshot();
  // sampled until the first load generator exits: once one is gone, so are its CPU ticks
  let late = before;
  const sampler = setInterval(() => { if (runs.every((r) => r.proc.exitCode === undefined)) late = snapshot(); }, 500);
  try {
    const results = await Promise.all(runs.map((r) => r.result));
    const window = Math.max(0.001, (late.at - before.at) / 1000);
    const used = (k: number) => (late.ticks[k]! - before.ticks[k]!) / ticksPerSecond / window;
    const self = (late.self.user + late.self.system - before.self.user - before.self.system) / 1e6 / window;
    const machine = (late.machine - before.machine) / ticksPerSecond / window;
    const n = entries.length;
    const upstreamCpu = used(n);
    const loadgens = runs.map((_, i) => used(n + 1 + i));
    const targets = entries.map((_, i) => used(i));
    const other = Math.max(0, machine - targets.reduce((a, b) => a + b, 0) - upstreamCpu - loadgens.reduce((a, b) => a + b, 0) - self);
    return entries.map((e, i) => {
      if (e.target.exitCode !== undefined) throw new Error(`target exited with code ${e.target.exitCode} during the load${tail(e.target.log)}`);
      const cpu = { target: targets[i]!, upstream: upstreamCpu, loadgen: loadgens[i]!, other };
      return { ...results[i]!, cpu, cpuUsPerRequest: (cpu.target * 1e6) / Math.max(1, results[i]!.rps) };
    });
  } finally {
    clearInterval(sampler);
  }
}

interface Live { proc: Proc; loadSpec: LoadSpec }

// Start a target, wait until it answers, check the scenario's first answer. On failure the process is stopped.
async function prepare(scenario: Scenario, spec: TargetSpec, out: TargetResult, upstreamUrl: string): Promise<Live | null> {
  let started;
  try {
    started = await startTarget(spec, { upstreamUrl, cpus: targetCpus, logFile: join(root, out.log!), tmpDir });
  } catch (error) {
    out.status = error instanceof Unavailable ? 'unavailable' : 'failed to start';
    out.reason = (error as Error).message;
    return null;
  }
  const failed = async (status: TargetResult['status'], reason: string) => {
    out.status = status;
    out.reason = reason;
    await stop(started.proc);
    return null;
  };
  try {
    await waitReady(started.proc, started.port, scenario.path, started.readyTimeoutMs);
  } catch (error) {
    return failed('failed to start', (error as Error).message);
  }
  const headers = { ...scenario.headers, ...spec.headers };
  const expected = scenario.expectStatus ?? 200;
  try {
    out.firstStatus = await firstRequest(started.port, scenario, headers);
  } catch (error) {
    return failed('unexpected response', `first request failed: ${(error as Error).message}`);
  }
  if (out.firstStatus !== expected) return failed('unexpected response', `first ${scenario.method} ${scenario.path} answered ${out.firstStatus}, expected ${expected}`);
  const loadSpec: LoadSpec = {
    url: `http://127.0.0.1:${started.port}${scenario.path}`,
    method: scenario.method,
    ...(scenario.body !== undefined ? { body: scenario.body } : {}),
    headers,
    connections,
    seconds: duration,
  };
  return { proc: started.proc, loadSpec };
}

// Targets are measured one at a time. With --runs 1 each target runs alone: started, warmed up, measured,
// stopped. With --runs N they stay up (idle) and are measured round-robin, so that outside noise spreads
// over all of them instead of hitting one; the first round warms up fully, later ones for 1 s.
async function runScenario(scenario: Scenario, upstreamUrl: string, upstream: Proc): Promise<TargetResult[]> {
  const specs = scenario.targets.filter((t) => !only || only.has(t.name));
  const outs: TargetResult[] = specs.map((spec) => ({
    name: spec.name, kind: spec.kind, ...(spec.config ? { config: spec.config } : {}), status: 'ok', log: relative(root, join(runDir, `${scenario.name}.${spec.name}.log`)), runs: [],
  }));
  const live = new Map<number, Live>();
  try {
    for (let round = 0; round < runs && !interrupted; round++) {
      for (const [i, spec] of specs.entries()) {
        if (interrupted) break;
        const out = outs[i]!;
        if (out.status !== 'ok') continue;
        process.stdout.write(`  ${spec.name}${runs > 1 ? ` (run ${round + 1}/${runs})` : ''}... `);
        if (round === 0) {
          const prepared = await prepare(scenario, spec, out, upstreamUrl);
          if (!prepared) { say(`${out.status}: ${out.reason}`); continue; }
          live.set(i, prepared);
        }
        const target = live.get(i)!;
        try {
          if (waitIdle > 0) {
            const busy = await waitForIdle(waitIdle);
            if (busy > 0.15) process.stdout.write(`(machine still busy after ${waitIdle} s: ${busy.toFixed(2)} cores) `);
          }
          const warm = round === 0 ? warmup : Math.min(warmup, 1);
          if (warm > 0) await load({ ...target.loadSpec, seconds: warm }, `${scenario.name}.${spec.name}.warmup`);
          const [measured] = await measureAll([{ spec: target.loadSpec, name: `${scenario.name}.${spec.name}`, target: target.proc }], upstream);
          out.runs.push(measured!);
          say(`${Math.round(measured!.rps).toLocaleString('en-US')} req/s`);
        } catch (error) {
          out.status = 'load failed';
          out.reason = interrupted ? 'interrupted' : (error as Error).message;
          say(`${out.status}: ${out.reason}`);
        }
        if (out.status !== 'ok' || runs === 1 || round === runs - 1) {
          await stop(target.proc);
          live.delete(i);
        }
        if (upstream.exitCode !== undefined) throw new Error(`the upstream exited (code ${upstream.exitCode})${tail(upstream.log)}`);
      }
    }
  } finally {
    await Promise.all([...live.values()].map((t) => stop(t.proc)));
  }
  for (const out of outs) {
    if (out.status !== 'ok' || out.runs.length === 0) continue;
    if (values.pick === 'quietest') {
      out.result = out.runs.reduce((best, run) => (run.cpu.other < best.cpu.other ? run : best));
    } else {
      const sorted = [...out.runs].sort((a, b) => a.rps - b.rps);
      out.result = sorted[Math.floor((sorted.length - 1) / 2)]; // the lower middle one for an even count
    }
  }
  return outs;
}

// --together: every target of the scenario up at once, all pinned to the target CPU, loaded at the same
// time by one load generator each. The CPU's speed may change from one second to the next on a shared
// machine; measured side by side, all targets live through the same changes, so the ratio of their CPU
// time per request is steady where sequential req/s are not.
async function runTogether(scenario: Scenario, upstreamUrl: string, upstream: Proc): Promise<TargetResult[]> {
  const specs = scenario.targets.filter((t) => !only || only.has(t.name));
  const outs: TargetResult[] = specs.map((spec) => ({
    name: spec.name, kind: spec.kind, ...(spec.config ? { config: spec.config } : {}), status: 'ok', log: relative(root, join(runDir, `${scenario.name}.${spec.name}.log`)), runs: [],
  }));
  // Started in the scenario's order for the first half of the rounds, then restarted in the reverse
  // order for the rest: targets sharing a CPU do not fare quite alike by start order (seen here: up to
  // ~5% more CPU per request for the first one started), and no target should always be first.
  const half = runs > 1 && specs.length > 1 ? Math.ceil(runs / 2) : runs;
  const passes: { order: number[]; rounds: number }[] = [{ order: specs.map((_, i) => i), rounds: half }];
  if (runs > half) passes.push({ order: specs.map((_, i) => specs.length - 1 - i), rounds: runs - half });
  let round = 0;
  for (const pass of passes) {
    const first = pass === passes[0];
    const restart = first ? pass.order : pass.order.filter((i) => outs[i]!.status === 'ok' && outs[i]!.runs.length > 0);
    if (interrupted || (!first && restart.length < 2)) break;
    if (!first) say('  restarting the targets in the reverse order');
    const live: { i: number; live: Live }[] = [];
    let skipped = false;
    try {
      for (const i of restart) {
        if (interrupted) break;
        const spec = specs[i]!;
        const before = { status: outs[i]!.status, reason: outs[i]!.reason };
        process.stdout.write(`  ${spec.name}: starting... `);
        const prepared = await prepare(scenario, spec, outs[i]!, upstreamUrl);
        say(prepared ? 'ready' : `${outs[i]!.status}: ${outs[i]!.reason}`);
        if (prepared) live.push({ i, live: prepared });
        else if (!first) {
          // A target that does not come back keeps its first half; the second half is not measured
          // for anyone, so every target keeps the same rounds.
          outs[i]!.status = before.status;
          outs[i]!.reason = before.reason;
          say('  the second half is skipped: the targets keep the rounds of the first half');
          skipped = true;
          break;
        }
      }
      if (interrupted || skipped) break; // the targets started are stopped below
      for (let r = 0; r < pass.rounds && !interrupted && live.length > 0; r++, round++) {
        // Sharing the CPU, each target warms up at 1/n of the speed: n times as long for a pass's first round.
        const warm = r === 0 ? warmup * live.length : Math.min(warmup, 1);
        if (warm > 0) await Promise.all(live.map(({ i, live: l }) => load({ ...l.loadSpec, seconds: warm }, `${scenario.name}.${specs[i]!.name}.warmup`)));
        // The load generators start one after the other, in an order that turns round by round.
        const order = live.map((_, k) => (k + round) % live.length);
        const started = await measureAll(order.map((k) => ({ spec: live[k]!.live.loadSpec, name: `${scenario.name}.${specs[live[k]!.i]!.name}`, target: live[k]!.live.proc })), upstream);
        const measured: Measured[] = [];
        order.forEach((k, j) => (measured[k] = started[j]!));
        live.forEach(({ i }, k) => outs[i]!.runs.push(measured[k]!));
        const line = live.map(({ i }, k) => ({ i, m: measured[k]! })).sort((a, b) => a.i - b.i);
        say(`  round ${round + 1}/${runs}: ${line.map(({ i, m }) => `${specs[i]!.name} ${Math.round(m.rps).toLocaleString('en-US')} req/s, ${m.cpuUsPerRequest.toFixed(1)} µs/req`).join('; ')}`);
        if (upstream.exitCode !== undefined) throw new Error(`the upstream exited (code ${upstream.exitCode})${tail(upstream.log)}`);
      }
    } catch (error) {
      for (const { i } of live) {
        outs[i]!.status = 'load failed';
        outs[i]!.reason = interrupted ? 'interrupted' : (error as Error).message;
      }
      say(`load failed: ${(error as Error).message}`);
      break;
    } finally {
      await Promise.all(live.map(({ live: l }) => stop(l.proc)));
    }
  }
  // The table shows each target's median run by CPU time per request.
  for (const out of outs) {
    if (out.status !== 'ok' || out.runs.length === 0) continue;
    const sorted = [...out.runs].sort((a, b) => a.cpuUsPerRequest - b.cpuUsPerRequest);
    out.result = sorted[Math.floor((sorted.length - 1) / 2)];
  }
  return outs;
}

// ---- run -----------------------------------------------------------------------------------------

const results: ScenarioResult[] = [];
let exitCode = 0;
try {
  const upstreamPort = await freePort();
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
  const upstream = start('upstream', process.execPath, [join(root, 'bench', 'upstream.ts'), '--port', String(upstreamPort)], { cpus: auxCpus, log: join(runDir, 'upstream.log'), cwd: root });
  await waitReady(upstream, upstreamPort, '/small', 15_000);

  for (const scenario of wanted) {
    if (interrupted) break;
    const { targets: _targets, ...described } = scenario;
    const reference = scenario.reference ?? 'portcullis';
    const result: ScenarioResult = { scenario: described, reference, targets: [], ...(together ? { together: true } : {}) };
    results.push(result);
    say(`\n[${scenario.name}] ${scenario.method} ${scenario.path}: ${scenario.description}`);
    result.targets = await (together ? runTogether : runScenario)(scenario, upstreamUrl, upstream);
    say(`\n${table(result)}`);
    const goal = yardstickLine(result);
    if (goal) say(`  ${goal}`);
  }
  await stop(upstream);
} catch (error) {
  process.stderr.write(`benchmark failed: ${(error as Error).stack ?? error}\n`);
  exitCode = 1;
} finally {
  await stopAll();
}

for (const name of readdirSync(runDir)) if (statSync(join(runDir, name)).size === 0) rmSync(join(runDir, name)); // empty logs

const file = join(resultsDir, `${stamp}.json`);
writeFileSync(file, `${JSON.stringify({
  date: new Date().toISOString(),
  command: `node bench/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
  machine: { cpus: ncpu, model: cpus()[0]?.model, loadavgBefore: machineLoad, node: process.version },
  tool, toolVersion, layout, connections, durationSeconds: duration, warmupSeconds: warmup, runs, pick: values.pick, waitIdleSeconds: waitIdle, together,
  notes, interrupted, scenarios: results,
}, null, 2)}\n`);
say(`\nresults: ${relative(process.cwd(), file)}   logs: ${relative(process.cwd(), runDir)}/`);
process.exit(interrupted ? 130 : exitCode);
