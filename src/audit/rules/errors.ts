// API8: error responses the document does not define (401, 500, 4xx, validation errors).
import type { AuditOperation, AuditResponse } from '../model.ts';
import { anonymousAccess, intentionallyPublic } from './access.ts';
import type { Rule } from '../types.ts';

function hasBody(r: AuditResponse): boolean {
  return r.media.length > 0;
}

function find(op: AuditOperation, ...statuses: string[]): AuditResponse | undefined {
  return op.responses.find((r) => statuses.includes(r.status.toUpperCase()));
}

export function has4xx(op: AuditOperation): boolean {
  return op.responses.some((r) => /^4(\d\d|XX)$/i.test(r.status));
}

export const response401Missing: Rule = {
  id: 'response-401-missing',
  title: 'Secured operation without a 401 response',
  severity: 'low',
  category: 'API8:2023',
  cwe: 209,
  why: 'A defined 401 (with a body schema) tells clients what a refused credential looks like and lets contract tests check that the API answers with that shape, not with a stack trace or a framework default page.',
  fix: 'Add a 401 response with a problem+json body (and a WWW-Authenticate header) to every secured operation, e.g. through a shared `components/responses/Unauthorized`.',
  check(model, report) {
    for (const op of model.operations) {
      if (anonymousAccess(op) !== undefined) continue;
      const r = find(op, '401');
      if (!r) report([...op.at, 'responses'], `${op.label} is secured but documents no 401 response.`, op.label);
      else if (!hasBody(r)) report(r.path, `The 401 response of ${op.label} has no body schema.`, op.label);
    }
  },
};

export const response500Missing: Rule = {
  id: 'response-500-missing',
  title: 'No 500 (or default) error response',
  severity: 'low',
  category: 'API8:2023',
  cwe: 209,
  why: 'Without a documented server-error shape, implementations fall back to framework error pages that leak stack traces, versions and internal paths, and contract tests cannot catch it.',
  fix: 'Add a 500 (or 5XX / default) response with a problem+json body that carries no internals.',
  check(model, report) {
    for (const op of model.operations) {
      const r = find(op, '500', '5XX', 'DEFAULT');
      if (!r) report([...op.at, 'responses'], `${op.label} documents no 500 (or default) error response.`, op.label);
      else if (!hasBody(r)) report(r.path, `The ${r.status} response of ${op.label} has no body schema.`, op.label);
    }
  },
};

export const response4xxMissing: Rule = {
  id: 'response-4xx-missing',
  title: 'Operation without any 4xx response',
  severity: 'medium',
  category: 'API8:2023',
  cwe: 754,
  why: 'An operation that documents only successes suggests nobody planned for refusals: no validation, authorization or not-found path, and clients that treat every answer as success. Public health and discovery probes (GET with an explicit `security: []`) are left out.',
  fix: 'Document the client errors the operation can return (400, 401, 403, 404, 409, 422, 429...) with a shared error schema.',
  check(model, report) {
    for (const op of model.operations) {
      if (op.method === 'OPTIONS' || has4xx(op) || (intentionallyPublic(op) && op.method === 'GET')) continue;
      report([...op.at, 'responses'], `${op.label} documents no 4xx response.`, op.label);
    }
  },
};

export const responseValidationMissing: Rule = {
  id: 'response-validation-missing',
  title: 'Operation with input but no 400/422 response',
  severity: 'low',
  category: 'API8:2023',
  cwe: 20,
  why: 'An operation that takes parameters or a body but documents no 400, 422 or 4XX response gives no sign that its input is validated, and no shape for validation errors.',
  fix: 'Validate input against the schema (the gateway\'s validate policy does) and document a 400 or 422 response with a problem+json body.',
  check(model, report) {
    for (const op of model.operations) {
      if (!has4xx(op)) continue; // response-4xx-missing covers it
      if (op.parameters.length === 0 && op.body.length === 0) continue;
      if (find(op, '400', '422', '4XX')) continue;
      report([...op.at, 'responses'], `${op.label} takes input but documents no 400/422 validation error.`, op.label);
    }
  },
};
