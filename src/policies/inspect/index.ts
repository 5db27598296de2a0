// The negative security model: every decoded input (path, query, headers, cookies, body) goes through
// the attack-detection engine (src/detect); a request at or above the anomaly threshold is refused.
// The refusal names no payload; the matched classes and places go to the log and the access log.
import type { RequestContext } from '../../core/context.ts';
import { readContent } from '../../core/decoded-body.ts';
import { GatewayError } from '../../core/errors.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { compileDetector, type AttackClass, type CompiledDetector, type EngineVerdict, type InputLocation } from '../../detect/index.ts';
import { inspectSchema, type InspectConfig } from './schema.ts';
import { hasBody } from '../../core/body.ts';
import { decodesAlike } from '../../core/json-text.ts';

export const inspect: PolicyFactory<InspectConfig> = {
  name: 'inspect',
  phase: 'inspect',
  description: 'Attack detection (SQLi, XSS, command injection, traversal, SSRF, NoSQL, SSTI, JNDI, XXE...) on every decoded input (403).',
  schema: inspectSchema,
  create(config, env) {
    const detector = compileDetector({
      paranoia: config.paranoia,
      threshold: config.threshold,
      classes: Object.fromEntries(config.disable.map((c) => [c, false])) as Partial<Record<AttackClass, boolean>>,
      exclusions: config.exclusions.map((e) => ({ name: e.name, allow: e.allow as AttackClass[], ...(e.location ? { location: e.location as InputLocation } : {}) })),
      onTruncated: config.onTruncated,
    });
    const decide = (ctx: RequestContext, verdict: EngineVerdict) => {
      if (!verdict.blocked) return;
      // A multipart body that parsers would split differently: refused whatever was found in it (fail closed).
      if (verdict.malformed !== undefined) {
        env.logger.warn({ reqId: ctx.id, reason: verdict.malformed }, 'multipart body refused: it cannot be read unambiguously');
        (ctx.state ??= {}).inspect = { reason: 'malformed_multipart' };
        throw new GatewayError('PCL_ERR_BAD_REQUEST', `The multipart body is refused: it ${verdict.malformed}.`);
      }
      // Blocked for what could not be inspected, not for what was: fail closed, and say so (not an attack).
      if (verdict.score < config.threshold) {
        if (verdict.error) {
          // Always refused, whatever onTruncated: nothing of the request can be taken as inspected.
          env.logger.warn({ reqId: ctx.id, score: verdict.score }, 'request not inspected: the detection engine failed on it');
          (ctx.state ??= {}).inspect = { reason: 'engine_error', score: verdict.score };
          throw new GatewayError('PCL_ERR_UNINSPECTABLE', 'Attack detection could not process this request.');
        }
        if (verdict.truncated) {
          env.logger.warn({ reqId: ctx.id, score: verdict.score }, 'request not inspected whole (a value, count or size over the inspection limits)');
          (ctx.state ??= {}).inspect = { reason: 'over_limits', score: verdict.score };
          throw new GatewayError('PCL_ERR_UNINSPECTABLE', 'Part of the request is over the inspection limits.');
        }
      }
      const matches = verdict.matches.slice(0, 5).map((m) => ({ class: m.class, location: m.location, name: m.name.slice(0, 64) }));
      env.logger.warn({ reqId: ctx.id, score: verdict.score, matches }, 'attack detected');
      (ctx.state ??= {}).inspect = { score: verdict.score, matches }; // audit evidence: where and what class, never the payload
      throw new GatewayError('PCL_ERR_ATTACK_DETECTED');
    };
    return {
      onRequest(ctx) {
        const req = ctx.req;
        if (!config.body || !hasBody(req.headers)) return decide(ctx, check(detector, ctx, undefined));
        // A compressed body is inspected decoded (the upstream's parser inflates it) and forwarded as is.
        return readContent(ctx).then((body) => {
          refuseUnreadableJson(ctx.req.headers['content-type'], body);
          return decide(ctx, check(detector, ctx, body));
        });
      },
    };
  },
};

/**
 * A JSON body whose text parsers would decode differently (a UTF-8 body labelled UTF-16, UTF-32,
 * which Python reads): what the upstream reads cannot be inspected, so it goes nowhere.
 */
function refuseUnreadableJson(contentType: string | undefined, body: Buffer): void {
  if (contentType === undefined || body.length === 0 || !contentType.toLowerCase().includes('json')) return;
  if (!decodesAlike(body, contentType)) {
    throw new GatewayError('PCL_ERR_UNSUPPORTED_MEDIA_TYPE', 'A JSON body must be UTF-8, or UTF-16 as both its charset and its first bytes say.');
  }
}

function check(detector: CompiledDetector, ctx: RequestContext, body: Buffer | undefined): EngineVerdict {
  return detector.inspectRequest({
    method: ctx.req.method ?? 'GET',
    path: ctx.path,
    rawQuery: ctx.query,
    headers: ctx.req.headers,
    ...(body ? { body, contentType: ctx.req.headers['content-type'] ?? '' } : {}),
  });
}
