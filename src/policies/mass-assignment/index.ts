// Mass assignment (OWASP API3, property level, write side): a JSON or form body may not set readOnly
// properties, properties reserved to other roles, or properties its closed schema does not declare.
// Refused with 400 (naming each property by JSON pointer, never echoing values) or stripped before
// the body goes upstream. Runs before validation, which then sees the stripped body. Form fields are
// checked under each name a framework may bind them to (see form.ts). Keys that reach a JavaScript
// prototype (`__proto__`, `constructor`, `prototype`) are refused at any depth, in every action.
import { readContent, replaceContent } from '../../core/decoded-body.ts';
import type { RequestContext } from '../../core/context.ts';
import { GatewayError } from '../../core/errors.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { findPrototypeKeys, foldProtectedNames, mayHavePrototypeKeys, walkBody, type Finding, type WalkOptions } from './walk.ts';
import { FORM, MULTIPART, multipartForm, urlencodedForm, type FormField } from './form.ts';
import { massAssignmentSchema, type MassAssignmentConfig } from './schema.ts';
import { formShapeOf, type FormShape } from '../validate/form-body.ts';
import { bareMediaType, isJsonMediaType, mediaRangeMatches } from '../../core/media-type.ts';
import { hasBody } from '../../core/body.ts';
import { requestJsonOf } from '../../core/json-text.ts';
import { mayHoldInexactNumbers, parseExactNumbers } from '../../core/exact-numbers.ts';

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
    /** operationId → media type → body schema, for operations with a JSON or form request body. */
    const schemas = new Map<string, Map<string, unknown>>();
    /** operationId → what its multipart body's encoding says (which parts are JSON). */
    const shapes = new Map<string, FormShape>();
    /** operationId → every media type its request body declares (bare), for those in `schemas`. */
    const declared = new Map<string, string[]>();
    for (const [id, op] of env.operations) {
      const content = op.operation.requestBody?.content ?? {};
      const json = new Map<string, unknown>();
      for (const [type, media] of Object.entries<any>(content)) {
        // Declared keys may carry parameters ("application/json; charset=utf-8"): requests are looked
        // up by their bare media type, so keys are too (the first schema for a bare type counts).
        const t = bareMediaType(type);
        if ((isJsonMediaType(t) || t === FORM || t === MULTIPART) && media?.schema && !json.has(t)) {
          json.set(t, media.schema);
          if (t === MULTIPART) shapes.set(id, formShapeOf(media, (node) => node));
        }
      }
      if (json.size) {
        schemas.set(id, json);
        declared.set(id, Object.keys(content).map(bareMediaType));
      }
    }
    const walkOptions = (ctx: RequestContext, formIndexes = false): WalkOptions => ({
      strip: config.action === 'strip',
      closedSchemas: config.closedSchemas,
      protectedNames,
      protectedFolded,
      roles: ctx.identity?.roles ?? NO_ROLES,
      formIndexes,
    });
    const refuse = (findings: Finding[]) => {
      // A key checked against several schemas (see walkBody), or a field read several ways, may be found more than once.
      if (findings.length > 1) findings = [...new Map(findings.map((f) => [f.pointer, f])).values()];
      const errors = findings.slice(0, 20).map((f) => ({ in: 'body', pointer: f.pointer.replace(/[^A-Za-z0-9_./~-]/g, '_').slice(0, 120), message: MESSAGES[f.reason] }));
      return new GatewayError('PCL_ERR_MASS_ASSIGNMENT', `${findings.length} propert${findings.length === 1 ? 'y' : 'ies'} may not be set by this request.`, { extensions: { errors } });
    };
    const stripped = (ctx: RequestContext, body: Buffer, findings: Finding[]) => {
      replaceContent(ctx, body);
      ctx.record('mass-assignment', 'report');
      if (env.logger.isLevelEnabled('debug')) env.logger.debug({ reqId: ctx.id, op: ctx.operationId, stripped: findings.map((f) => f.pointer).slice(0, 20) }, 'request properties stripped');
    };
    const checkForm = (ctx: RequestContext, type: string, schema: unknown, raw: Buffer) => {
      const form = type === FORM ? urlencodedForm(raw) : multipartForm(raw, ctx.req.headers['content-type'] ?? '', shapes.get(ctx.operationId!)!);
      // Fail closed, as for JSON: a body this policy cannot read is not forwarded unchecked.
      if (typeof form === 'string') throw new GatewayError('PCL_ERR_VALIDATION', 'The request body is not a valid form.', { extensions: { errors: [{ in: 'body', message: form }] } });
      // Fields are only checked here: what is stripped is whole fields, the rest of the body stays as sent.
      const options = { ...walkOptions(ctx, true), strip: false };
      const findings: Finding[] = [];
      const dropped = new Set<FormField>();
      // Prototype keys under any reading of any field: refused whatever the action (see below).
      for (const field of form.fields) for (const binding of field.bindings) findPrototypeKeys(binding, findings);
      if (findings.length > 0) throw refuse(findings);
      for (const field of form.fields) {
        // A field is refused for what any reading of its name forbids (readOnly, protected), but as
        // undeclared only when no reading names a declared property (`a[b]` is no flat name `a[b]`).
        let undeclared: Finding[] | undefined;
        let clean = false;
        const before = findings.length;
        for (const binding of field.bindings) {
          const found: Finding[] = [];
          walkBody(binding, schema, options, found);
          for (const f of found) if (f.reason !== 'undeclared') findings.push(f);
          if (found.length === 0) clean = true;
          else undeclared ??= found;
        }
        if (findings.length === before && !clean && undeclared) findings.push(...undeclared);
        if (findings.length > before) dropped.add(field);
      }
      if (findings.length === 0) return;
      if (config.action === 'reject' || config.mode === 'report') throw refuse(findings);
      stripped(ctx, form.without(dropped), findings);
    };
    const check = (ctx: RequestContext, schema: unknown, raw: Buffer) => {
      const json = requestJsonOf(ctx, raw);
      if ('problem' in json) {
        // Fail closed: validation may be off, and upstream parsers accept what JSON.parse does not
        // (comments, NaN...) or keep another copy of a repeated key, so a body this policy cannot
        // check goes nowhere.
        throw new GatewayError('PCL_ERR_VALIDATION', `The request body ${json.problem}.`, { extensions: { errors: [{ in: 'body', message: json.problem }] } });
      }
      const { value, text } = json;
      const findings: Finding[] = [];
      // `__proto__`, `constructor`, `prototype` anywhere: refused, never stripped (they may sit where
      // no schema reaches, and a body that carries them is an attack, not a mistake to tidy up).
      if (mayHavePrototypeKeys(text)) findPrototypeKeys(value, findings);
      if (findings.length > 0) throw refuse(findings);
      const walked = walkBody(value, schema, walkOptions(ctx), findings);
      if (findings.length === 0) return;
      // Stripped, the body is rewritten as UTF-8: only a body that was UTF-8 is read the same way.
      if (config.action === 'reject' || config.mode === 'report' || !json.plainUtf8) throw refuse(findings);
      // Numbers JSON.parse changes (a 64-bit id, an amount of 16 digits) are written again by their digits.
      const out = mayHoldInexactNumbers(text) ? walkBody(parseExactNumbers(text), schema, walkOptions(ctx), []) : walked;
      stripped(ctx, Buffer.from(JSON.stringify(out)), findings);
    };
    return {
      onRequest(ctx) {
        const byType = ctx.operationId === undefined ? undefined : schemas.get(ctx.operationId);
        if (!byType) return undefined;
        const h = ctx.req.headers;
        if (!hasBody(h)) return undefined;
        const type = bareMediaType(h['content-type']);
        const schema = byType.get(type);
        if (schema === undefined) {
          // A JSON or form body labelled otherwise (text/plain, no type) is read as such by many upstreams:
          // a body in a type the operation does not declare is not let past unchecked.
          const types = declared.get(ctx.operationId!)!;
          if (types.some((range) => range === type || mediaRangeMatches(range, type))) return undefined;
          throw new GatewayError('PCL_ERR_UNSUPPORTED_MEDIA_TYPE', `Accepted: ${types.join(', ')}.`);
        }
        // A compressed body is checked decoded (the upstream's parser inflates it).
        if (type === FORM || type === MULTIPART) return readContent(ctx).then((raw) => checkForm(ctx, type, schema, raw));
        return readContent(ctx).then((raw) => check(ctx, schema, raw));
      },
    };
  },
};

const MESSAGES = {
  readOnly: 'is read-only',
  protected: 'may not be set by the caller',
  undeclared: 'is not a property of this request body',
  prototype: 'is a JavaScript prototype key (__proto__, constructor, prototype)',
} as const;
