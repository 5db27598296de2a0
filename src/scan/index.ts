// portcullis scan: loads the document, sets up identities and the canary, explores, runs every check
// within the budget, cleans up what it created and returns the findings. Problems that stop part of
// the scan (a log-in that fails, an identity the target refuses, a target that stops answering or keeps
// answering 429, the budget) are reported, not thrown: what ran is still in the result.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpec, type LoadedSpec } from '../openapi/load.ts';
import { Canary } from './canary.ts';
import { DEFAULTS } from './defaults.ts';
import { CHECK_INFOS, CHECKS } from './checks/index.ts';
import { ScanContext } from './context.ts';
import { cleanUp, explore } from './explore.ts';
import { ScanClient, stopsTheScan } from './http.ts';
import { IdentityError, type IdentitySpec } from './identities.ts';
import { Identity } from './identity.ts';
import { scanSpec } from './operations.ts';
import { buildPlan } from './plan.ts';
import { Redactor } from './redact.ts';
import type { CheckRun, ScanResult } from './types.ts';
import { readResponseText } from '../core/read-response.ts';

/** A downloaded OpenAPI document larger than this is refused (the target may serve it, and stream without end). */
const MAX_SPEC_BYTES = 32 * 1024 * 1024;

export interface ScanOptions {
  /** A file, or an http(s) URL of the document. */
  readonly spec: string;
  /** The API's origin (and base path, when it differs from the document's servers). */
  readonly target: string;
  readonly identities: readonly IdentitySpec[];
  readonly maxRequests?: number;
  readonly rate?: number;
  readonly timeoutMs?: number;
  /** PEM certificates of the CAs to trust for an https target (default: the system's). */
  readonly ca?: string;
  readonly allowDestructive?: boolean;
  readonly burst?: number;
  /** Check ids to skip. */
  readonly skip?: readonly string[];
  /** false: no canary server (the SSRF check is skipped). */
  readonly canary?: boolean;
  /** Host name the target reaches the canary at (default 127.0.0.1). */
  readonly canaryHost?: string;
  readonly onRequest?: (count: number) => void;
}

export class ScanUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScanUsageError';
  }
}

export { DEFAULTS } from './defaults.ts';

export function parseTarget(target: string): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new ScanUsageError(`--target "${target}" is not a URL (expected e.g. http://127.0.0.1:3000).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ScanUsageError(`--target must be http or https, not ${url.protocol}`);
  if (url.username || url.password) throw new ScanUsageError('--target must not carry credentials; give them as identities.');
  return url;
}

export async function loadScanSpec(spec: string): Promise<LoadedSpec> {
  if (!/^https?:\/\//i.test(spec)) return loadSpec(spec);
  let text: string;
  try {
    const res = await fetch(spec, { redirect: 'error', signal: AbortSignal.timeout(15_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    text = await readResponseText(res, MAX_SPEC_BYTES);
  } catch (error) {
    throw new ScanUsageError(`${spec}: cannot download the document (${(error as Error).message}).`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-scan-'));
  try {
    const file = join(dir, /\.json($|\?)/i.test(spec) || text.trimStart().startsWith('{') ? 'openapi.json' : 'openapi.yaml');
    await writeFile(file, text);
    return await loadSpec(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runScan(options: ScanOptions): Promise<ScanResult> {
  const started = Date.now();
  const target = parseTarget(options.target);
  const loaded = await loadScanSpec(options.spec);
  const basePath = target.pathname.replace(/\/+$/, '');
  const spec = scanSpec(loaded, basePath === '' ? undefined : basePath);
  const plan = buildPlan(spec);
  const redactor = new Redactor();
  const maxRequests = options.maxRequests ?? DEFAULTS.maxRequests;
  const client = new ScanClient({ origin: target.origin, maxRequests, rate: options.rate ?? DEFAULTS.rate, timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs, redactor, ...(options.ca ? { ca: options.ca } : {}), ...(options.onRequest ? { onRequest: options.onRequest } : {}) });
  const identities = options.identities.map((s) => new Identity(s, client, redactor, findLogin(s, spec.operations, plan.login)));
  const canary = options.canary === false ? undefined : await Canary.start('127.0.0.1', options.canaryHost);
  const skip = new Set(options.skip ?? []);
  const ctx = new ScanContext({ plan, client, redactor, identities, settings: { allowDestructive: options.allowDestructive === true, burst: options.burst ?? DEFAULTS.burst, skip }, ...(canary ? { canary } : {}) });
  let outcome: { runs: CheckRun[]; errors: string[] };
  try {
    outcome = await runChecks(ctx, identities, skip);
  } finally {
    await canary?.close();
    await client.close();
  }
  const { runs, errors } = outcome;
  const findings = ctx.findings.filter((f) => !skip.has(f.check));
  return {
    target: target.href,
    spec: /^https?:\/\//i.test(options.spec) ? options.spec : loaded.file,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    requests: client.count,
    budget: maxRequests,
    timeouts: client.timeouts,
    ...(client.rateLimited.retries > 0 ? { rateLimited: client.rateLimited } : {}),
    identities: identities.map((i) => ({ name: i.name, role: i.role, ...(i.userId ? { userId: i.userId } : {}) })),
    findings,
    checks: CHECK_INFOS.map((info) =>
      skip.has(info.id)
        ? { check: info.id, status: 'skipped' as const, tested: [], reason: 'skipped with --skip' }
        : checkRun(info.id, runs, ctx),
    ),
    infos: CHECK_INFOS,
    errors,
  };
}

/** Log-ins and exploration, then every check in order; what stops the scan is reported, not thrown. */
async function runChecks(ctx: ScanContext, identities: readonly Identity[], skip: ReadonlySet<string>): Promise<{ runs: CheckRun[]; errors: string[] }> {
  const errors: string[] = [];
  const runs: CheckRun[] = [];
  let stop: string | undefined;
  try {
    for (const who of identities) if (who.refreshable) await who.refresh();
    await explore(ctx);
  } catch (error) {
    stop = message(error);
    errors.push(stop);
  }
  for (const check of CHECKS) {
    const ids = check.infos.map((i) => i.id).join(', ');
    if (stop || check.infos.every((i) => skip.has(i.id))) {
      runs.push({ check: ids, status: 'skipped', tested: [], reason: stop ?? 'skipped with --skip' });
      continue;
    }
    try {
      const reason = await check.run(ctx);
      runs.push({ check: ids, status: reason ? 'skipped' : 'ran', tested: [], ...(reason ? { reason } : {}) });
    } catch (error) {
      const m = message(error);
      runs.push({ check: ids, status: 'error', tested: [], reason: m });
      if (stopsTheScan(error) || error instanceof IdentityError) {
        stop = m;
        errors.push(m);
      }
    }
  }
  // Within the same budget: once it is spent (or the target is gone) the deletes are refused at once.
  await cleanUp(ctx).catch(() => undefined);
  return { runs, errors };
}

function findLogin(spec: IdentitySpec, ops: ReturnType<typeof scanSpec>['operations'], fallback: ReturnType<typeof buildPlan>['login']) {
  const wanted = spec.login?.operation;
  if (!wanted) return fallback;
  return ops.find((o) => o.operationId === wanted || `${o.method} ${o.path}` === wanted || o.label === wanted);
}

/** Reasons of a check that ran and tested nothing, at most this many (the rest are alike). */
const MAX_REASONS = 3;

/** A check's outcome: its module's status, what it tested, and why it tested nothing when it ran but did. */
function checkRun(id: string, runs: readonly CheckRun[], ctx: ScanContext): CheckRun {
  const run = runs.find((r) => r.check.split(', ').includes(id));
  const tested = [...(ctx.tested.get(id) ?? [])];
  const status = run?.status ?? 'skipped';
  if (status === 'ran' && tested.length === 0) {
    const why = ctx.untested.get(id) ?? [];
    const reason = why.length === 0 ? 'no operation of the document fits it' : `${why.slice(0, MAX_REASONS).join('; ')}${why.length > MAX_REASONS ? ` (and ${why.length - MAX_REASONS} more)` : ''}`;
    return { check: id, status, tested, reason };
  }
  return { check: id, status, tested, ...(run?.reason ? { reason: run.reason } : {}) };
}

function message(error: unknown): string {
  if (stopsTheScan(error) || error instanceof IdentityError) return error.message;
  return `unexpected error: ${(error as Error)?.message ?? String(error)}`;
}
