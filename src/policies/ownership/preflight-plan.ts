// Which requests of operations with a response rule are checked with a GET before they are forwarded
// (preflight.ts), decided from the document when the policy loads. PATCH, PUT, DELETE and HEAD act on
// the object their path names, so their path must have a GET (else a config error). A POST may act on
// an object (`POST /orders/{id}` beside `GET /orders/{id}`, `POST /orders/{id}/cancel`: a path with
// parameters, which then needs a GET too) or create one in a collection (`POST /orders`): a GET of a
// collection shows no owner of the object to come, so such a POST is not checked first (only its
// response is, as on a GET).
import { isJsonMediaType, bareMediaType } from '../../core/media-type.ts';
import type { SpecOperation } from '../../openapi/operations.ts';
import { objectView } from '../../openapi/schema-view.ts';
import type { CompiledOwnerRule } from './rules.ts';

/**
 * Those of `ids` (operations with a response rule) whose requests other than a GET are preflighted (a
 * GET operation stands for its HEAD; an id the document lacks, for every method). Throws when a PATCH,
 * PUT or DELETE (any method but GET and POST) has no GET on its path.
 */
export function preflightedOperations(ids: readonly string[], rulesOf: ReadonlyMap<string, readonly CompiledOwnerRule[]>, operations: ReadonlyMap<string, SpecOperation>): Set<string> {
  const out = new Set<string>();
  for (const id of ids) {
    const op = operations.get(id);
    if (op === undefined || op.method === 'GET') {
      out.add(id);
      continue;
    }
    const get = getOf(op, operations);
    // A POST creates in a collection only on a path without parameters with no GET, or beside a GET
    // that plainly lists objects; on a path naming an object (`/orders/{id}/cancel`) it acts on one.
    if (op.method === 'POST' && (get === undefined ? !op.path.includes('{') : listsObjects(get, rulesOf.get(get.operationId), rulesOf.get(id)!))) continue;
    if (get === undefined) {
      throw new Error(`ownership rule of operation ${id}: it reads the owner from the response, which comes only after the upstream has carried out the ${op.method}, so the gateway checks it first with a GET of ${op.path}, and the document has no GET operation on that path (add one, or use a path, query or header rule)`);
    }
    out.add(id);
  }
  return out;
}

/** The GET operation on the same path template ("/orders/{id}" and "/orders/{orderId}" alike). */
function getOf(op: SpecOperation, operations: ReadonlyMap<string, SpecOperation>): SpecOperation | undefined {
  const template = (path: string) => path.replace(/\{[^}]*\}/g, '{}');
  const path = template(op.path);
  for (const other of operations.values()) if (other.method === 'GET' && template(other.path) === path) return other;
  return undefined;
}

/**
 * Whether a GET returns a collection rather than the object a POST's rules read: its own response
 * rules are all list rules (`$.items[*].ownerId`, `$[*].ownerId`), or every JSON schema of its 2xx
 * responses (at least one) is an array, or a closed object (`additionalProperties: false`) declaring
 * none of the fields a POST rule reads (`{items, next}` for `$.ownerId`). Anything else (a rule on
 * one object's field, no schema, an open one) counts as one object: the POST is checked first.
 */
function listsObjects(get: SpecOperation, getRules: readonly CompiledOwnerRule[] | undefined, postRules: readonly CompiledOwnerRule[]): boolean {
  const getResponseRules = getRules?.filter((r) => r.source === 'response') ?? [];
  // A rule of the GET on one object's field: it returns one object, whatever else it lists.
  if (getResponseRules.some((r) => r.after === undefined)) return false;
  if (getResponseRules.length > 0) return true;
  const fields = postRules.filter((r) => r.source === 'response' && r.before.length > 0).map((r) => r.before[0]!);
  const schemas = successSchemas(get);
  return schemas.length > 0 && schemas.every((s) => isArraySchema(s) || (fields.length > 0 && declaresNone(s, fields)));
}

function successSchemas(op: SpecOperation): unknown[] {
  const out: unknown[] = [];
  for (const [status, response] of Object.entries((op.operation.responses ?? {}) as Record<string, any>)) {
    if (!/^2(\d\d|XX)$/i.test(status) || response === null || typeof response !== 'object') continue;
    for (const [type, media] of Object.entries((response.content ?? {}) as Record<string, any>)) {
      if (isJsonMediaType(bareMediaType(type)) && media !== null && typeof media === 'object' && media.schema !== undefined) out.push(media.schema);
    }
  }
  return out;
}

function isArraySchema(schema: any): boolean {
  const type = schema?.type;
  return type === 'array' || (Array.isArray(type) && type.includes('array') && !type.includes('object'));
}

/** A closed object schema without the fields (an open one may well carry them, undeclared). */
function declaresNone(schema: any, fields: readonly string[]): boolean {
  if (schema === null || typeof schema !== 'object') return false;
  if (schema.additionalProperties !== false && schema.unevaluatedProperties !== false) return false;
  const { properties } = objectView(schema);
  return properties.size > 0 && fields.every((f) => !properties.has(f));
}
