// Function-level rules of each operation, compiled at load from the OpenAPI document and the config:
// roles (any of) from `x-portcullis-roles`, scopes from the `security` requirement objects (any
// requirement whose scopes the caller all holds), and whether the operation is public.
import type { SpecOperation } from '../../openapi/operations.ts';
import type { OperationRuleConfig } from './schema.ts';

export interface OperationRule {
  readonly roles: readonly string[];
  /** Alternatives: the caller must hold every scope of at least one (empty list = no scope needed). */
  readonly scopeSets: readonly (readonly string[])[];
  readonly isPublic: boolean;
  readonly hasRule: boolean;
}

export function ruleFromSpec(op: SpecOperation, documentSecurity: unknown, extra: OperationRuleConfig | undefined): OperationRule {
  const roles = [...stringList(op.operation['x-portcullis-roles']), ...(extra?.roles ?? [])];
  const security = Array.isArray(op.operation.security) ? op.operation.security : Array.isArray(documentSecurity) ? documentSecurity : undefined;
  let scopeSets: string[][] = [];
  let isPublic = extra?.public === true;
  if (security) {
    if (security.length === 0 || security.some((req: unknown) => req !== null && typeof req === 'object' && Object.keys(req).length === 0)) isPublic = true;
    else scopeSets = security.map((req: Record<string, unknown>) => [...new Set(Object.values(req).flatMap(stringList))]);
    // One requirement without scopes satisfies the scope part for everybody authenticated.
    if (scopeSets.some((set) => set.length === 0)) scopeSets = [];
  }
  if (extra?.scopes?.length) scopeSets = scopeSets.length ? scopeSets.map((s) => [...new Set([...s, ...extra.scopes!])]) : [extra.scopes];
  return { roles, scopeSets, isPublic: isPublic && roles.length === 0 && scopeSets.length === 0, hasRule: roles.length > 0 || scopeSets.length > 0 || isPublic };
}

export function ruleFromConfig(extra: OperationRuleConfig | undefined): OperationRule {
  const roles = extra?.roles ?? [];
  const scopeSets = extra?.scopes?.length ? [extra.scopes] : [];
  return { roles, scopeSets, isPublic: extra?.public === true, hasRule: roles.length > 0 || scopeSets.length > 0 || extra?.public === true };
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
