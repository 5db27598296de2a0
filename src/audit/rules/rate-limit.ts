// API4: rate limiting that the document does not describe (429 responses, Retry-After, RateLimit headers).
import type { AuditResponse } from '../model.ts';
import type { Rule } from '../types.ts';

const RATE_LIMIT_HEADERS = ['ratelimit', 'ratelimit-limit', 'ratelimit-policy', 'x-ratelimit-limit', 'x-rate-limit-limit', 'x-ratelimit-remaining'];

export function hasRateLimitHeaders(response: AuditResponse): boolean {
  return RATE_LIMIT_HEADERS.some((h) => response.headers.has(h));
}

export const rateLimitResponseMissing: Rule = {
  id: 'rate-limit-response-missing',
  title: 'No 429 response',
  severity: 'medium',
  category: 'API4:2023',
  cwe: 770,
  why: 'An operation without a documented 429 Too Many Requests most likely has no rate limit: nothing stops brute force, scraping or a flood of expensive calls, and clients cannot know how to back off.',
  fix: 'Rate-limit the operation (e.g. with the gateway\'s rate-limit policy) and document a 429 response with a Retry-After header and a problem+json body.',
  check(model, report) {
    for (const op of model.operations) {
      if (op.method === 'OPTIONS' || op.responses.some((r) => r.status === '429')) continue;
      report([...op.at, 'responses'], `${op.label} documents no 429 (Too Many Requests) response.`, op.label);
    }
  },
};

export const rateLimitRetryAfterMissing: Rule = {
  id: 'rate-limit-retry-after-missing',
  title: '429 response without Retry-After',
  severity: 'low',
  category: 'API4:2023',
  cwe: 770,
  versions: ['3.0', '3.1', '2.0'],
  why: 'Without Retry-After, well-behaved clients retry at once and in step, turning a limit into a self-inflicted flood.',
  fix: 'Add a `Retry-After` header (seconds) to every 429 response.',
  check(model, report) {
    for (const op of model.operations) {
      for (const r of op.responses) {
        if (r.status === '429' && !r.headers.has('retry-after')) report(r.path, `The 429 response of ${op.label} has no Retry-After header.`, op.label);
      }
    }
  },
};

export const rateLimitHeadersMissing: Rule = {
  id: 'rate-limit-headers-missing',
  title: 'Successful responses without rate-limit headers',
  severity: 'low',
  category: 'API4:2023',
  cwe: 770,
  why: 'RateLimit headers (RateLimit / RateLimit-Policy from the IETF draft, or X-RateLimit-Limit / -Remaining) on successful responses show that a limit exists and let clients slow down before they are refused.',
  fix: 'Document `RateLimit` and `RateLimit-Policy` (or `X-RateLimit-Limit` and `X-RateLimit-Remaining`) headers on 2xx responses.',
  check(model, report) {
    for (const op of model.operations) {
      const ok = op.responses.filter((r) => /^2/.test(r.status));
      if (ok.length === 0 || ok.some(hasRateLimitHeaders)) continue;
      report(ok[0]!.path, `The ${ok[0]!.status} response of ${op.label} has no rate-limit headers.`, op.label);
    }
  },
};
