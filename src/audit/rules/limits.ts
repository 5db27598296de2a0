// API4: request values without size or range limits (strings, arrays, integers).
import type { Node, SchemaVisit } from '../model.ts';
import { typesOf } from '../model.ts';
import { isAnchored, maxMatchLength, parseRegex } from '../regex.ts';
import type { Rule } from '../types.ts';

/** Formats whose values have a small, fixed maximum length. */
const BOUNDED_FORMATS = new Set(['date', 'date-time', 'time', 'uuid', 'ipv4', 'ipv6', 'int32', 'int64', 'duration', 'byte-size']);

/** The parameter `in: body` of Swagger 2.0 holds a schema; it is not one. */
function isValueSchema(visit: SchemaVisit): boolean {
  return !(visit.schema.in === 'body' && visit.schema.schema !== undefined);
}

function has(schema: Node, key: string): boolean {
  return schema[key] !== undefined;
}

function patternBound(schema: Node): boolean {
  if (typeof schema.pattern !== 'string') return false;
  try {
    const ast = parseRegex(schema.pattern);
    return isAnchored(ast) && Number.isFinite(maxMatchLength(ast));
  } catch {
    return false;
  }
}

/** `string "name"`, or `a string value` when the schema has no name (a body, a map value). */
function describe(visit: SchemaVisit, type: string): string {
  return visit.name ? `${type} "${visit.name}"` : `a ${type} value`;
}

export const stringUnbounded: Rule = {
  id: 'string-unbounded',
  title: 'Request string without maxLength',
  severity: 'medium',
  category: 'API4:2023',
  cwe: 770,
  why: 'Strings without a maximum length let a client send megabytes where a name was expected: memory, CPU (parsing, regular expressions, hashing) and storage are spent before any business check. Only values the API accepts (parameters and request bodies) are checked; `enum`, `const`, bounded formats (date, uuid, ipv4...) and anchored patterns with a finite length count as limits.',
  fix: 'Add `maxLength` to every request string (`maxLength: 256` for names, `maxLength: 2048` for URLs), or constrain it with `enum` / `const` / `format`.',
  check(model, report) {
    for (const visit of model.requestSchemas) {
      const s = visit.schema;
      if (!isValueSchema(visit) || !typesOf(s).includes('string')) continue;
      if (has(s, 'maxLength') || has(s, 'enum') || has(s, 'const') || BOUNDED_FORMATS.has(String(s.format)) || patternBound(s)) continue;
      report(visit.path, `${visit.operation.label}: ${describe(visit, 'string')} has no maxLength.`, visit.operation.label);
    }
  },
};

export const stringUnrestricted: Rule = {
  id: 'string-unrestricted',
  title: 'Request string without format, pattern or enum',
  severity: 'info',
  category: 'API4:2023',
  cwe: 20,
  why: 'A string that accepts any characters passes injection payloads and odd encodings straight to the code behind the API; a `format`, `pattern` or `enum` lets the gateway refuse them at the edge.',
  fix: 'Constrain request strings with `format` (email, uuid, uri...), an anchored `pattern`, `enum` or `const` where the domain allows.',
  check(model, report) {
    for (const visit of model.requestSchemas) {
      const s = visit.schema;
      if (!isValueSchema(visit) || !typesOf(s).includes('string')) continue;
      if (has(s, 'format') || has(s, 'pattern') || has(s, 'enum') || has(s, 'const')) continue;
      report(visit.path, `${visit.operation.label}: ${describe(visit, 'string')} has no format, pattern or enum.`, visit.operation.label);
    }
  },
};

export const arrayUnbounded: Rule = {
  id: 'array-unbounded',
  title: 'Request array without maxItems',
  severity: 'medium',
  category: 'API4:2023',
  cwe: 770,
  why: 'An array without `maxItems` lets one request carry millions of elements, each processed, validated and maybe written: a cheap way to exhaust the API or its database (batch abuse).',
  fix: 'Add `maxItems` to every request array (and limit its `items` too).',
  check(model, report) {
    for (const visit of model.requestSchemas) {
      const s = visit.schema;
      if (!isValueSchema(visit) || !typesOf(s).includes('array') || has(s, 'maxItems')) continue;
      report(visit.path, `${visit.operation.label}: ${describe(visit, 'array')} has no maxItems.`, visit.operation.label);
    }
  },
};

function hasMinimum(s: Node): boolean {
  return typeof s.minimum === 'number' || typeof s.exclusiveMinimum === 'number' || Array.isArray(s.enum) || s.const !== undefined;
}

function hasMaximum(s: Node): boolean {
  return typeof s.maximum === 'number' || typeof s.exclusiveMaximum === 'number' || Array.isArray(s.enum) || s.const !== undefined;
}

export const integerUnbounded: Rule = {
  id: 'integer-unbounded',
  title: 'Request integer without minimum and maximum',
  severity: 'low',
  category: 'API4:2023',
  cwe: 1284,
  why: 'Integers without a range reach the code as negative quantities, page sizes of a billion or loop counts nobody planned for (resource exhaustion, business logic abuse).',
  fix: 'Add `minimum` and `maximum` to every request integer (e.g. `limit: { type: integer, minimum: 1, maximum: 100 }`).',
  check(model, report) {
    for (const visit of model.requestSchemas) {
      const s = visit.schema;
      if (!isValueSchema(visit) || !typesOf(s).includes('integer')) continue;
      const missing = [hasMinimum(s) ? '' : 'minimum', hasMaximum(s) ? '' : 'maximum'].filter(Boolean);
      if (missing.length > 0) report(visit.path, `${visit.operation.label}: ${describe(visit, 'integer')} has no ${missing.join(' or ')}.`, visit.operation.label);
    }
  },
};

export const integerFormatMissing: Rule = {
  id: 'integer-format-missing',
  title: 'Request integer without format',
  severity: 'info',
  category: 'API4:2023',
  cwe: 1284,
  why: 'Without `format: int32` or `int64` each implementation picks its own integer size; values that overflow one side but not the other cause inconsistent checks.',
  fix: 'Add `format: int32` or `format: int64` to request integers.',
  check(model, report) {
    for (const visit of model.requestSchemas) {
      const s = visit.schema;
      if (!isValueSchema(visit) || !typesOf(s).includes('integer') || has(s, 'format')) continue;
      report(visit.path, `${visit.operation.label}: ${describe(visit, 'integer')} has no format (int32 or int64).`, visit.operation.label);
    }
  },
};
