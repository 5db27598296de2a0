// Which schemes an operation needs, from its OpenAPI `security` (or the document's): a list of
// requirement objects, any one of which is enough (OR), each naming schemes that are all needed (AND).
// `[]` or `{}` among them: the operation is public. Swagger 2.0 uses the same shape.
import type { LoadedSpec } from '../openapi/load.ts';
import type { SpecOperation } from '../openapi/operations.ts';

/** Alternatives of scheme-name sets; an empty set means "no credentials needed". */
export type Requirement = readonly (readonly string[])[];

export function documentRequirement(spec: LoadedSpec): Requirement {
  return toRequirement(spec.doc.security);
}

export function operationRequirement(spec: LoadedSpec, op: SpecOperation): Requirement {
  return Array.isArray(op.operation.security) ? toRequirement(op.operation.security) : documentRequirement(spec);
}

function toRequirement(security: unknown): Requirement {
  if (!Array.isArray(security) || security.length === 0) return [[]];
  return security.map((r) => (r !== null && typeof r === 'object' ? Object.keys(r as object) : []));
}

/**
 * The document's security schemes by name (components.securitySchemes, or securityDefinitions in 2.0),
 * as a Map: a scheme name such as "constructor" finds nothing the document does not declare.
 */
export function securitySchemes(spec: LoadedSpec): ReadonlyMap<string, Record<string, unknown>> {
  const schemes: unknown = spec.doc.components?.securitySchemes ?? spec.doc.securityDefinitions;
  if (schemes === null || typeof schemes !== 'object' || Array.isArray(schemes)) return new Map();
  return new Map(Object.entries(schemes as Record<string, unknown>).filter((e): e is [string, Record<string, unknown>] => e[1] !== null && typeof e[1] === 'object'));
}

/** Whether a configured scheme kind can serve an OpenAPI scheme of this type. */
export function compatible(kind: 'jwt' | 'apiKey' | 'introspection' | 'mtls' | 'signature', def: Record<string, unknown>): boolean {
  if (kind === 'apiKey') return def.type === 'apiKey';
  if (kind === 'mtls') return def.type === 'mutualTLS';
  // HTTP message signatures have no OpenAPI scheme type: an `http` scheme with another name, or none.
  if (kind === 'signature') return def.type === 'http' && String(def.scheme).toLowerCase() !== 'bearer';
  if (def.type === 'http') return String(def.scheme).toLowerCase() === 'bearer';
  return def.type === 'oauth2' || def.type === 'openIdConnect';
}
