// API8:2023 Security Misconfiguration: CORS that trusts any origin with credentials, missing security
// headers, software versions in headers, stack traces in error answers (malformed JSON bodies), TRACE.
import { isSuccess, type ScanContext, type Seen } from '../context.ts';
import type { CheckInfo } from '../types.ts';
import { stackTraceIn, type Check } from './check.ts';

export const CORS: CheckInfo = {
  id: 'cors-any-origin',
  title: 'CORS trusts any origin, with credentials',
  category: 'API8:2023',
  severity: 'high',
  cwe: 942,
  why: 'The API copies any Origin into Access-Control-Allow-Origin and allows credentials: every web site a user visits can call the API as that user and read the answers.',
  fix: 'Answer CORS from an allow-list of origins; never reflect the Origin header with Access-Control-Allow-Credentials: true.',
};

export const HEADERS: CheckInfo = {
  id: 'security-headers-missing',
  title: 'Security headers are missing',
  category: 'API8:2023',
  severity: 'low',
  cwe: 693,
  why: 'Without X-Content-Type-Options: nosniff, Cache-Control: no-store on authenticated answers (and HSTS over HTTPS), browsers and caches may sniff, frame or keep API answers.',
  fix: 'Send the headers on every answer; at the gateway, the security-headers policy adds them.',
};

export const BANNER: CheckInfo = {
  id: 'version-disclosure',
  title: 'Answers announce the server software and its version',
  category: 'API8:2023',
  severity: 'low',
  cwe: 200,
  why: 'Server, X-Powered-By and similar headers tell attackers which known vulnerabilities to try.',
  fix: 'Remove Server versions, X-Powered-By, X-AspNet-Version and the like (the gateway\'s security-headers policy removes them).',
};

export const VERBOSE_ERRORS: CheckInfo = {
  id: 'verbose-errors',
  title: 'Error answers carry stack traces or internals',
  category: 'API8:2023',
  severity: 'medium',
  cwe: 209,
  why: 'A malformed request gets an answer with a stack trace, file paths or framework internals: a map of the code for attackers.',
  fix: 'Answer errors with a generic problem (RFC 9457) and log the details server-side; at the gateway, request validation and the error sanitizer.',
};

export const TRACE: CheckInfo = {
  id: 'trace-enabled',
  title: 'TRACE is enabled',
  category: 'API8:2023',
  severity: 'low',
  cwe: 693,
  why: 'TRACE echoes the request, headers included, back to the caller (cross-site tracing).',
  fix: 'Refuse TRACE (405).',
};

const BANNER_HEADERS = ['server', 'x-powered-by', 'x-aspnet-version', 'x-aspnetmvc-version', 'x-runtime', 'x-version', 'x-generator'];
const MALFORMED = '{"portcullis-scan":';

export const misconfigurationCheck: Check = {
  infos: [CORS, HEADERS, BANNER, VERBOSE_ERRORS, TRACE],
  async run(ctx) {
    const sample = ctx.seen.find((s) => s.who && s.op.secured && s.op.method === 'GET' && isSuccess(s.res)) ?? ctx.seen.find((s) => isSuccess(s.res));
    if (sample) {
      if (ctx.enabled(CORS.id)) await cors(ctx, sample);
      headers(ctx, sample);
      if (ctx.enabled(TRACE.id)) await trace(ctx, sample);
    }
    if (ctx.enabled(VERBOSE_ERRORS.id)) await verboseErrors(ctx);
  },
};

async function cors(ctx: ScanContext, sample: Seen): Promise<void> {
  const { op } = sample;
  ctx.test(CORS.id, op.label);
  const origin = `https://pcs-${ctx.runId}.evil.example`;
  const res = await ctx.send(sample.who, 'GET', sample.path + ctx.query(op), { headers: { origin } }, `a request from the web page of ${origin}`);
  const allowed = res.headers['access-control-allow-origin'];
  const credentials = res.headers['access-control-allow-credentials'] === 'true';
  if (allowed === origin && credentials) {
    const preflight = await ctx.client.send('OPTIONS', sample.path, { headers: { origin, 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'authorization, x-api-key' } }, 'the preflight of the same origin');
    ctx.report(CORS, op.label, `${op.label} answered Access-Control-Allow-Origin: ${origin} with Access-Control-Allow-Credentials: true.`, [res.exchange, preflight.exchange]);
  }
}

function headers(ctx: ScanContext, sample: Seen): void {
  const h = sample.res.headers;
  ctx.test(HEADERS.id, sample.op.label);
  ctx.test(BANNER.id, sample.op.label);
  const missing: string[] = [];
  if (h['x-content-type-options']?.toLowerCase() !== 'nosniff') missing.push('X-Content-Type-Options: nosniff');
  if (sample.who && sample.op.secured && !/no-store|private/i.test(h['cache-control'] ?? '')) missing.push('Cache-Control: no-store');
  if (ctx.client.origin.startsWith('https:') && !h['strict-transport-security']) missing.push('Strict-Transport-Security');
  if (missing.length > 0) ctx.report(HEADERS, sample.op.label, `${sample.op.label} answered without ${missing.join(', ')}.`, [sample.res.exchange]);
  const banners = BANNER_HEADERS.filter((name) => h[name] !== undefined && (name !== 'server' || /\d/.test(h[name]!)));
  if (banners.length > 0) ctx.report(BANNER, sample.op.label, `${sample.op.label} announces ${banners.map((n) => `${n}: ${h[n]}`).join('; ')}.`, [sample.res.exchange]);
}

async function trace(ctx: ScanContext, sample: Seen): Promise<void> {
  ctx.test(TRACE.id, sample.op.label);
  const res = await ctx.client.send('TRACE', sample.path, { headers: { 'x-pcs-trace': ctx.runId } }, 'TRACE');
  if (isSuccess(res) && res.text.includes(`x-pcs-trace: ${ctx.runId}`)) ctx.report(TRACE, `TRACE ${sample.path}`, `TRACE ${sample.path} echoed the request (${res.status}).`, [res.exchange]);
}

/** Malformed JSON to every operation that takes a JSON body and that the scan may write to. */
async function verboseErrors(ctx: ScanContext): Promise<void> {
  const who = ctx.users[0] ?? ctx.identities[0];
  for (const op of ctx.plan.spec.operations) {
    if (!op.requestSchema || op.method === 'GET') continue;
    const resolved = ctx.resolve(op, who);
    if (!resolved || (op.pathParams.length > 0 && !resolved.owned && !ctx.settings.allowDestructive)) continue;
    ctx.test(VERBOSE_ERRORS.id, op.label);
    const res = await ctx.send(op.secured ? who : undefined, op.method, resolved.path, { body: MALFORMED, headers: { 'content-type': 'application/json' } }, 'a malformed JSON body');
    if (res.status < 400) continue;
    const trace = stackTraceIn(res.text);
    if (trace) ctx.report(VERBOSE_ERRORS, op.label, `A malformed JSON body to ${op.label} got ${res.status} with a stack trace ("${ctx.redactor.text(trace).slice(0, 120)}").`, [res.exchange]);
  }
}
