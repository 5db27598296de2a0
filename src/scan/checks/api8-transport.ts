// API8:2023 transport: an API documented as https-only that also answers over plain http. Only when the
// target is given as https; the probe is anonymous (no credential ever goes over plain http).
import type { CheckInfo } from '../types.ts';
import type { Check } from './check.ts';

export const PLAIN_HTTP: CheckInfo = {
  id: 'plain-http-accepted',
  title: 'An https-only API answers over plain HTTP',
  category: 'API8:2023',
  severity: 'medium',
  cwe: 319,
  why: 'The document serves the API over https only, but it also answers plain http: credentials and data of clients that use (or are downgraded to) http travel in clear text.',
  fix: 'Refuse plain http or answer it only with a redirect to https (and send Strict-Transport-Security on https answers).',
};

/** Answers that refuse plain http: a redirect, 400 "plain HTTP sent to an HTTPS port", 426 Upgrade Required, 497 (nginx). */
const REFUSALS = new Set([400, 426, 497]);

export const transportCheck: Check = {
  infos: [PLAIN_HTTP],
  async run(ctx) {
    if (!ctx.enabled(PLAIN_HTTP.id)) return;
    if (!ctx.client.origin.startsWith('https:')) return 'the target is not given as https';
    const schemes = ctx.plan.spec.schemes;
    if (schemes.length === 0 || schemes.some((s) => s !== 'https')) return 'the document does not serve the API over https only';
    // A read that answered before: public ones first, so the anonymous probe gets the same answer as a client would.
    const sample = ctx.seen.find((s) => s.op.method === 'GET' && !s.op.secured && s.res.status >= 200 && s.res.status < 300) ?? ctx.seen.find((s) => s.op.method === 'GET');
    if (!sample) return 'no read answered';
    const url = sample.path + ctx.query(sample.op);
    ctx.test(PLAIN_HTTP.id, sample.op.label);
    const secure = await ctx.client.send('GET', url, {}, 'anonymous, over https');
    const plain = await ctx.client.send('GET', url, { plainHttp: true }, 'the same request over plain http');
    const refused = plain.status === 0 || (plain.status >= 300 && plain.status < 400) || REFUSALS.has(plain.status);
    if (refused || plain.status !== secure.status) return undefined;
    ctx.report(PLAIN_HTTP, sample.op.label, `${sample.op.label} answers ${plain.status} over plain http, as over https, though the document lists only https servers.`, [plain.exchange, secure.exchange]);
    return undefined;
  },
};
