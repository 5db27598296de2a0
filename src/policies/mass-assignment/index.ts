// Mass assignment (OWASP API3, property level, write side): a JSON body may not set readOnly
// properties, properties reserved to other roles, or properties its closed schema does not declare.
// Refused with 400 (naming each property by JSON pointer, never echoing values) or stripped before
// the body goes upstream. Runs before validation, which then sees the stripped body.
import { readBody } from '../../core/body.ts';
import type { RequestContext } from '../../core/context.ts';
import { GatewayError } from '../../core/errors.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { foldProtectedNames, walkBody, type Finding } from './walk.ts';
import { massAssignmentSchema, type MassAssignmentConfig } from './schema.ts';
import { bareMediaType, isJsonMediaType, mediaRangeMatches } from '../../core/media-type.ts';

const NO_ROLES: readonly string[] = [];

export const massAssignment: PolicyFactory<MassAssignmentConfig> = {
  name: 'mass-assignment',
  phase: 'authorize',
  description: 'Refuses or strips request properties the caller may not write: readOnly, role-protected (x-portcullis-write-roles), undeclared in closed schemas.',
  schema: massAssignmentSchema,
  create(config, env) {
    if (!env.operations) throw new Error('mass-assignment needs an API with an OpenAPI document (spec)');
    const protectedNames = new Map(config.protected.map((p) => [p.property, p.roles] as const));
    const protectedFolded = foldProtectedNames(protectedNames);
    /** operationId → media type → body schema, for operations with a JSON request body. */
    const schemas = new Map<string, Map<string, unknown>>();
    /** operationId → every media type its request body declares (bare), for those in `schemas`. */
    const declared = new Map<string, string[]>();
    for (const [id, op] of env.operations) {
      const content = op.operation.requestBody?.content ?? {};
      const json = new Map<string, unknown>();
      for (const [type, media] of Object.entries<any>(content)) {
        // Declared keys may carry parameters ("application/json; charset=utf-8"): requests are looked
        // up by their bare media type, so keys are too (the first schema for a bare type counts).
        const t = bareMediaType(type);
        if (isJsonMediaType(t) && media?.schema && !json.has(t)) json.set(t, media.schema);
      }
      if (json.size) {
        schemas.set(id, json);
        declared.set(id, Object.keys(content).map(bareMediaType));
      }
    }
    const check = (ctx: RequestContext, schema: unknown, raw: Buffer) => {
      let value: unknown;
      try {
        value = JSON.parse(raw.toString('utf8'));
      } catch {
        // Fail closed: validation may be off, and upstream parsers accept what JSON.parse does not
        // (a leading byte-order mark, comments...), so a body this policy cannot check goes nowhere.
        throw new GatewayError('PCL_ERR_VALIDATION', 'The request body is not valid JSON.', { extensions: { errors: [{ in: 'body', message: 'is not valid JSON' }] } });
      }
      let findings: Finding[] = [];
      const walked = walkBody(value, schema, { strip: config.action === 'strip', closedSchemas: config.closedSchemas, protectedNames, protectedFolded, roles: ctx.identity?.roles ?? NO_ROLES }, findings);
      if (findings.length === 0) return;
      // A key checked against several schemas (see walkBody) may be found more than once.
      if (findings.length > 1) findings = [...new Map(findings.map((f) => [f.pointer, f])).values()];
      if (config.action === 'reject' || config.mode === 'report') {
        const errors = findings.slice(0, 20).map((f) => ({ in: 'body', pointer: f.pointer.replace(/[^A-Za-z0-9_./~-]/g, '_').slice(0, 120), message: MESSAGES[f.reason] }));
        throw new GatewayError('PCL_ERR_MASS_ASSIGNMENT', `${findings.length} propert${findings.length === 1 ? 'y' : 'ies'} may not be set by this request.`, { extensions: { errors } });
      }
      ctx.body = Buffer.from(JSON.stringify(walked));
      ctx.record('mass-assignment', 'report');
      if (env.logger.isLevelEnabled('debug')) env.logger.debug({ reqId: ctx.id, op: ctx.operationId, stripped: findings.map((f) => f.pointer).slice(0, 20) }, 'request properties stripped');
    };
    return {
      onRequest(ctx) {
        const byType = ctx.operationId === undefined ? undefined : schemas.get(ctx.operationId);
        if (!byType) return undefined;
        const h = ctx.req.headers;
        if (h['transfer-encoding'] === undefined && (h['content-length'] === undefined || h['content-length'] === '0')) return undefined;
        const type = bareMediaType(h['content-type']);
        const schema = byType.get(type);
        if (schema === undefined) {
          // A JSON body labelled otherwise (text/plain, no type) is read as JSON by many upstreams:
          // a body in a type the operation does not declare is not let past unchecked.
          const types = declared.get(ctx.operationId!)!;
          if (types.some((range) => range === type || mediaRangeMatches(range, type))) return undefined;
          throw new GatewayError('PCL_ERR_UNSUPPORTED_MEDIA_TYPE', `Accepted: ${types.join(', ')}.`);
        }
        return readBody(ctx).then((raw) => check(ctx, schema, raw));
      },
    };
  },
};

const MESSAGES = {
  readOnly: 'is read-only',
  protected: 'may not be set by the caller',
  undeclared: 'is not a property of this request body',
} as const;
