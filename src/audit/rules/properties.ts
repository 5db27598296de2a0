// API3: request objects that accept properties nobody declared.
import type { Node } from '../model.ts';
import { isObject, typesOf } from '../model.ts';
import type { Rule } from '../types.ts';

function isObjectSchema(s: Node): boolean {
  return typesOf(s).includes('object') || (s.type === undefined && isObject(s.properties));
}

export const additionalPropertiesUnbounded: Rule = {
  id: 'additional-properties-unbounded',
  title: 'Request object allows unlimited additional properties',
  severity: 'medium',
  category: 'API3:2023',
  cwe: 915,
  why: '`additionalProperties: true` (or a schema) without `maxProperties` lets clients add any number of fields the API never declared: unvalidated input that may be bound to internal fields (mass assignment) and a way to send huge objects.',
  fix: 'Set `additionalProperties: false` (`unevaluatedProperties: false` with allOf in 3.1); when a free-form map is intended, give it a value schema and `maxProperties`.',
  check(model, report) {
    for (const visit of model.requestSchemas) {
      const s = visit.schema;
      if (!isObjectSchema(s) || typeof s.maxProperties === 'number') continue;
      for (const key of ['additionalProperties', 'unevaluatedProperties']) {
        const value = s[key];
        if (value === true || isObject(value)) {
          report([...visit.path, key], `${visit.operation.label}: object ${visit.name ? `"${visit.name}" ` : ''}allows any number of undeclared properties (${key} without maxProperties).`, visit.operation.label);
        }
      }
    }
  },
};

export const additionalPropertiesImplicit: Rule = {
  id: 'additional-properties-implicit',
  title: 'Request object open to undeclared properties by default',
  severity: 'low',
  category: 'API3:2023',
  cwe: 915,
  versions: ['3.0', '3.1', '2.0'],
  why: 'JSON Schema accepts undeclared properties unless told otherwise. A request object that lists its properties but does not close itself lets clients slip extra fields (role, ownerId...) past validation to code that may bind them.',
  fix: 'Add `additionalProperties: false` to request objects (in 3.1, `unevaluatedProperties: false` when the object is built with allOf).',
  check(model, report) {
    for (const visit of model.requestSchemas) {
      const s = visit.schema;
      if (visit.composed || !isObject(s.properties) || !isObjectSchema(s)) continue;
      if (s.additionalProperties !== undefined || s.unevaluatedProperties !== undefined) continue;
      if (Array.isArray(s.allOf) || Array.isArray(s.oneOf) || Array.isArray(s.anyOf) || s.discriminator !== undefined) continue;
      report(visit.path, `${visit.operation.label}: object ${visit.name ? `"${visit.name}" ` : ''}does not set additionalProperties: false.`, visit.operation.label);
    }
  },
};
