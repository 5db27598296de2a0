// Blind injection confirmed by time (filed under API8:2023 with the other injections): a payload that
// makes the shell or the database sleep D seconds. Found only by a differential that repeats: the D
// payload is slow, the same payload with 0 is fast, and with 2D it is slower still. Bounded: at most
// MAX_PARAMS parameters, and the scan stops probing once TIME_BUDGET_MS of delays were spent.
import { isSuccess, type ScanContext, type Seen } from '../context.ts';
import type { HttpResponse } from '../http.ts';
import type { CheckInfo } from '../types.ts';
import { injectable, SQLI } from './api8-injection.ts';
import type { Check } from './check.ts';

export const COMMAND_INJECTION: CheckInfo = {
  id: 'command-injection',
  title: 'OS command injection',
  category: 'API8:2023',
  severity: 'critical',
  cwe: 78,
  why: 'A parameter is pasted into a shell command: callers run any program on the server.',
  fix: 'Never build shell commands from input: call programs with an argument list (execFile, no shell) and validate parameters against the schema.',
};

/** The delay D asked for, in seconds. */
const DELAY = 1;
const MAX_PARAMS = 6;
/** Delays the check may add to a scan in all (a vulnerable API costs about 3 D per confirmation). */
const TIME_BUDGET_MS = 9000;

type Payload = (base: string, seconds: number) => string;

const COMMAND: readonly Payload[] = [
  (b, s) => `${b};sleep ${s};`,
  (b, s) => `${b}|sleep ${s}`,
  (b, s) => `${b}$(sleep ${s})`,
  (b, s) => `${b}\`sleep ${s}\``,
];

/** PostgreSQL (and databases with a pg_sleep function) in a string, then MySQL, then SQL Server. */
const SQL: readonly Payload[] = [
  (b, s) => `${b}'||pg_sleep(${s})||'`,
  (b, s) => `${b}' AND SLEEP(${s})-- `,
  (b, s) => `${b}';WAITFOR DELAY '0:0:${s}'-- `,
];

export const timeInjectionCheck: Check = {
  infos: [COMMAND_INJECTION],
  async run(ctx) {
    const spent = { ms: 0 };
    const done = new Set<unknown>();
    let params = 0;
    for (const seen of ctx.seen) {
      if (seen.op.method !== 'GET' || done.has(seen.op) || !isSuccess(seen.res)) continue;
      done.add(seen.op);
      for (const p of seen.op.parameters) {
        if (p?.in !== 'query' || !injectable(p.schema) || params >= MAX_PARAMS) continue;
        params++;
        if (ctx.enabled(COMMAND_INJECTION.id)) await probe(ctx, seen, String(p.name), COMMAND, COMMAND_INJECTION, 'a shell', spent);
        if (ctx.enabled(SQLI.id)) await probe(ctx, seen, String(p.name), SQL, SQLI, 'the database', spent);
      }
    }
    return params === 0 ? 'no string query parameter on a read that answered' : undefined;
  },
};

async function probe(ctx: ScanContext, seen: Seen, name: string, payloads: readonly Payload[], info: CheckInfo, what: string, spent: { ms: number }): Promise<void> {
  const { op } = seen;
  if (ctx.findings.some((f) => f.check === info.id && f.operation === op.label)) return;
  ctx.test(info.id, op.label);
  const base = new URLSearchParams(ctx.query(op).slice(1)).get(name) ?? 'a';
  const send = (value: string, note: string) => ctx.send(seen.who, 'GET', seen.path + ctx.query(op, { [name]: value }), {}, note);
  const normal = Math.max((await send(base, `"${name}" as normal`)).ms, (await send(base, `"${name}" as normal, again`)).ms);
  const d = DELAY * 1000;
  for (const payload of payloads) {
    if (spent.ms + 3 * d > TIME_BUDGET_MS) return;
    const slow = await send(payload(base, DELAY), `"${name}" asking ${what} to sleep ${DELAY} s`);
    if (slow.ms < normal + 0.8 * d) continue;
    spent.ms += slow.ms - normal;
    const zero = await send(payload(base, 0), `"${name}" asking ${what} to sleep 0 s`);
    const twice = await send(payload(base, 2 * DELAY), `"${name}" asking ${what} to sleep ${2 * DELAY} s`);
    spent.ms += Math.max(0, twice.ms - normal);
    if (zero.ms < normal + 0.5 * d && twice.ms >= normal + 1.6 * d) {
      const s = (r: HttpResponse) => `${(r.ms / 1000).toFixed(1)} s`;
      ctx.report(info, op.label, `"${name}" of ${op.label} makes ${what} sleep: asking for ${DELAY} s took ${s(slow)}, 0 s took ${s(zero)}, ${2 * DELAY} s took ${s(twice)} (normal: ${(normal / 1000).toFixed(1)} s).`, [twice.exchange, zero.exchange]);
      return;
    }
  }
}
