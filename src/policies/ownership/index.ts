// Object-level authorization (OWASP API1, BOLA). Request rules compare a path, query or header value
// with an identity claim before the upstream is called; response rules compare a field of the returned
// object before a byte reaches the client (403), and remove from arrays the items the caller does not
// own. Rules come from the document (`x-portcullis-owner`) and the config; a rule naming a path
// parameter the operation does not have is a config error.
import type { RequestContext } from '../../core/context.ts';
import { GatewayError } from '../../core/errors.ts';
import { NOT_JSON } from '../../core/response-body.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { toBytes } from '../../config/units.ts';
import { claimOf, compileRule, get, identifier, type CompiledOwnerRule } from './rules.ts';
import { ownershipSchema, type OwnerRule, type OwnershipConfig } from './schema.ts';

export const ownership: PolicyFactory<OwnershipConfig> = {
  name: 'ownership',
  phase: 'authorize',
  description: 'Object ownership (BOLA): request parameters or response fields must match an identity claim (403).',
  schema: ownershipSchema,
  create(config, env) {
    const byOperation = new Map<string, CompiledOwnerRule[]>();
    const add = (id: string, rules: OwnerRule[], pathParams: ReadonlySet<string> | undefined) => {
      try {
        byOperation.set(id, [...(byOperation.get(id) ?? []), ...rules.map((r) => compileRule(r, config.overrideRoles, pathParams))]);
      } catch (error) {
        throw new Error(`ownership rule of operation ${id}: ${(error as Error).message}`);
      }
    };
    for (const [id, op] of env.operations ?? []) {
      const hint = op.operation['x-portcullis-owner'];
      const params = new Set(op.parameters.filter((p) => p?.in === 'path').map((p) => String(p.name)));
      if (hint) add(id, Array.isArray(hint) ? hint : [hint], params);
      if (config.operations[id]) add(id, config.operations[id]!, params);
    }
    for (const [id, rules] of Object.entries(config.operations)) {
      if (env.operations?.has(id)) continue;
      if (env.operations) throw new Error(`ownership.operations: no operation "${id}" in the API's document`);
      add(id, rules, undefined);
    }
    const hasResponseRules = [...byOperation.values()].some((rules) => rules.some((r) => r.source === 'response'));

    const applicable = (ctx: RequestContext, source: 'request' | 'response') => {
      const rules = ctx.operationId === undefined ? undefined : byOperation.get(ctx.operationId);
      const list = rules?.filter((r) => (source === 'response') === (r.source === 'response'));
      if (!list?.length) return undefined;
      const identity = ctx.identity;
      if (!identity) throw new GatewayError('PCL_ERR_UNAUTHENTICATED');
      return list.filter((r) => !r.overrideRoles.some((role) => identity.roles.includes(role)));
    };
    const notOwner = () => new GatewayError('PCL_ERR_FORBIDDEN', 'The caller does not own this object.');

    return {
      onRequest(ctx) {
        for (const rule of applicable(ctx, 'request') ?? []) {
          const owner = claimOf(ctx.identity!, rule.claim);
          const raw = rule.source === 'path' ? ctx.params?.[rule.name] : rule.source === 'query' ? onlyValue(new URLSearchParams(ctx.query).getAll(rule.name)) : ctx.req.headers[rule.name.toLowerCase()];
          const value = typeof raw === 'string' ? (rule.source === 'path' ? safeDecode(raw) : raw) : undefined;
          if (owner === undefined || value === undefined || value !== owner) throw notOwner();
        }
      },
      ...(hasResponseRules
        ? {
            responseBodyLimit: toBytes(config.maxBodySize),
            oversize: config.onOversize,
            onResponseBody(ctx, head, body) {
              if (head.statusCode < 200 || head.statusCode >= 300) return undefined;
              const rules = applicable(ctx, 'response');
              if (!rules?.length) return undefined;
              let value = body.json();
              if (value === NOT_JSON) throw new GatewayError('PCL_ERR_RESPONSE_UNINSPECTABLE', 'The upstream response is not valid JSON.');
              let changed = false;
              for (const rule of rules) {
                const owner = claimOf(ctx.identity!, rule.claim);
                if (owner === undefined) throw notOwner();
                if (!rule.after) {
                  if (identifier(get(value, rule.before)) !== owner) throw notOwner();
                  continue;
                }
                const list = get(value, rule.before);
                if (list === undefined || list === null) continue; // no items: nothing of anyone's shown
                // One object where a list was expected is one item: it must be the caller's.
                if (!Array.isArray(list)) {
                  if (identifier(get(list, rule.after)) !== owner) throw notOwner();
                  continue;
                }
                const kept = list.filter((item) => identifier(get(item, rule.after!)) === owner);
                if (kept.length !== list.length) {
                  changed = true;
                  value = replaceAt(value, rule.before, kept);
                }
              }
              return changed ? { json: value } : undefined;
            },
          }
        : {}),
    };
  },
};

function replaceAt(root: unknown, path: readonly string[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const node = root as Record<string, unknown>;
  return { ...node, [head!]: replaceAt(node[head!], rest, replacement) };
}

/**
 * A query parameter's value when it appears exactly once. Repeated, the upstream may read the last one
 * (PHP) or all of them joined ("alice,bob": Spring, ASP.NET), not the one checked here.
 */
function onlyValue(values: string[]): string | undefined {
  return values.length === 1 ? values[0] : undefined;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
