// Function-level rules of each operation, compiled at load from the OpenAPI document and the config:
// roles (any of) from `x-portcullis-roles`, scopes from the `security` requirement objects, and
// whether the operation is public. Each requirement object stays one alternative tied to its schemes:
// a caller is checked against the alternatives whose schemes authenticated it, never against one it
// did not use (a scope-less "partner key" alternative must not waive the OAuth alternative's scopes).
import { compatible } from '../../auth/requirements.ts';
import type { AuthenticatedScheme } from '../../core/context.ts';
import type { SpecOperation } from '../../openapi/operations.ts';
import type { OperationRuleConfig } from './schema.ts';

type Kind = AuthenticatedScheme['kind'];
const KINDS: readonly Kind[] = ['jwt', 'apiKey', 'introspection', 'mtls', 'signature'];

export interface SchemeScopes {
  /** The OpenAPI securitySchemes name. */
  readonly name: string;
  /** Scheme kinds of the single-scheme policies (auth-jwt...) that can serve it, from its declared type. */
  readonly kinds: readonly Kind[];
  /** Scopes the identity this scheme authenticated must all hold. */
  readonly scopes: readonly string[];
}

/** One requirement object: every scheme must have authenticated the caller, with its scopes. */
export type Alternative = readonly SchemeScopes[];

export interface OperationRule {
  readonly roles: readonly string[];
  /**
   * The `security` alternatives, when at least one of them needs scopes (otherwise which scheme was
   * used is authentication's business alone): the caller passes one of them.
   */
  readonly alternatives: readonly Alternative[];
  /** Scopes from the config: the caller's identity needs all of them (on top of an alternative). */
  readonly scopes: readonly string[];
  readonly isPublic: boolean;
  readonly hasRule: boolean;
}

/** `defs`: the document's security schemes by name (to know which single-scheme policy can serve one). */
export function ruleFromSpec(op: SpecOperation, documentSecurity: unknown, defs: ReadonlyMap<string, Record<string, unknown>>, extra: OperationRuleConfig | undefined): OperationRule {
  const roles = [...stringList(op.operation['x-portcullis-roles']), ...(extra?.roles ?? [])];
  const security = Array.isArray(op.operation.security) ? op.operation.security : Array.isArray(documentSecurity) ? documentSecurity : undefined;
  let alternatives: Alternative[] = [];
  let isPublic = extra?.public === true;
  if (security) {
    const objects = security.filter((req: unknown): req is Record<string, unknown> => req !== null && typeof req === 'object' && !Array.isArray(req));
    if (security.length === 0 || objects.some((req) => Object.keys(req).length === 0)) isPublic = true;
    else {
      alternatives = objects.map((req) =>
        Object.entries(req).map(([name, scopes]) => ({ name, kinds: kindsFor(defs.get(name)), scopes: [...new Set(stringList(scopes))] })),
      );
      // Alternatives that need no scope at all leave nothing for authorization to check.
      if (alternatives.every((alt) => alt.every((s) => s.scopes.length === 0))) alternatives = [];
    }
  }
  const scopes = extra?.scopes ?? [];
  return {
    roles,
    alternatives,
    scopes,
    isPublic: isPublic && roles.length === 0 && alternatives.length === 0 && scopes.length === 0,
    hasRule: roles.length > 0 || alternatives.length > 0 || scopes.length > 0 || isPublic,
  };
}

export function ruleFromConfig(extra: OperationRuleConfig | undefined): OperationRule {
  const roles = extra?.roles ?? [];
  const scopes = extra?.scopes ?? [];
  return { roles, alternatives: [], scopes, isPublic: extra?.public === true, hasRule: roles.length > 0 || scopes.length > 0 || extra?.public === true };
}

/** Whether the schemes that authenticated the caller satisfy one alternative, with all its scopes. */
export function passesAlternative(alternatives: readonly Alternative[], authenticated: readonly AuthenticatedScheme[] | undefined): boolean {
  if (authenticated === undefined) return false;
  return alternatives.some((alt) => alt.every((scheme) => authenticated.some((a) => serves(a, scheme) && scheme.scopes.every((s) => a.identity.scopes.includes(s)))));
}

/**
 * auth-schemes names its schemes after the document's securitySchemes, so the name must match; the
 * single-scheme policies (auth-jwt, auth-apikey...) have no such name and serve a scheme of their type.
 */
function serves(a: AuthenticatedScheme, scheme: SchemeScopes): boolean {
  return a.specName ? a.name === scheme.name : scheme.kinds.includes(a.kind);
}

function kindsFor(def: Record<string, unknown> | undefined): Kind[] {
  if (def === undefined || def === null || typeof def !== 'object') return [];
  return KINDS.filter((k) => compatible(k, def));
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
