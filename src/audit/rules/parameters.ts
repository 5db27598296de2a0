// API8: parameters in a location the document's version does not have — above all `in: body` (and
// `in: formData`) in OpenAPI 3, Swagger 2.0 constructs that OpenAPI 3 tools skip.
import type { Rule } from '../types.ts';

const LOCATIONS = {
  '2.0': ['path', 'query', 'header', 'formData', 'body'],
  '3.0': ['path', 'query', 'header', 'cookie'],
  '3.1': ['path', 'query', 'header', 'cookie'],
} as const;

export const parameterInInvalid: Rule = {
  id: 'parameter-in-invalid',
  title: 'Parameter in a location the OpenAPI version does not have',
  severity: 'high',
  category: 'API8:2023',
  cwe: 20,
  why: 'OpenAPI 3 has no `in: body` or `in: formData` parameters (Swagger 2.0 has): validators, gateways and code generators for OpenAPI 3 skip them, so the request body they were meant to describe is checked against nothing, and the document is invalid. Swagger 2.0 has no `in: cookie`.',
  fix: 'In OpenAPI 3, describe the body with the operation\'s `requestBody` (`content: { application/json: { schema } }`, or `application/x-www-form-urlencoded` / `multipart/form-data` for form fields) and remove the parameter. Use path, query, header or cookie for the others.',
  check(model, report) {
    const allowed: readonly string[] = LOCATIONS[model.version];
    for (const op of model.operations) {
      for (const p of op.parameters) {
        if (allowed.includes(p.in)) continue;
        const swagger2 = model.version !== '2.0' && (p.in === 'body' || p.in === 'formData');
        const why = swagger2 ? `, a Swagger 2.0 location OpenAPI ${model.version} does not have: describe the body with requestBody` : ` (${model.version === '2.0' ? 'Swagger 2.0' : `OpenAPI ${model.version}`} allows ${allowed.join(', ')})`;
        report([...p.path, 'in'], `Parameter "${p.name}" of ${op.label} is \`in: ${p.in}\`${why}.`, op.label);
      }
    }
  },
};
