// Object-level authorization (OWASP API1, BOLA). Request rules compare a path, query or header value
// with an identity claim before the upstream is called; response rules compare a field of the returned
// object before a byte reaches the client (403), and remove from arrays the items the caller does not
// own. Rules come from the document (`x-portcullis-owner`) and the config; a rule naming a path
// parameter the operation does not have is a config error. A path or query rule refuses a request
// with another copy of its parameter, under any name a framework reads as the same (see copies.ts).
// A response rule on a write or HEAD is checked before the request is forwarded (see preflight.ts;
// which requests are, in preflight-plan.ts).
import type { RequestContext } from '../../core/context.ts';
import { GatewayError } from '../../core/errors.ts';
import { hasBody } from '../../core/body.ts';
import { readsFields } from '../../core/body-fields.ts';
import { readContent } from '../../core/decoded-body.ts';
import { exactReplacement, NOT_JSON, type BodyReplacement, type ResponseBody } from '../../core/response-body.ts';
import { checkBeforeForward, type ForwardCheck } from '../../core/forward-check.ts';
import { own } from '../../core/own.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { toBytes } from '../../config/units.ts';
import { claimOf, compileRule, get, ownerField, ROUNDED, type CompiledOwnerRule } from './rules.ts';
import { repeatsKeys } from '../../core/json-duplicates.ts';
import { bodyOccurrences, copiesOf, pairOccurrences, type Occurrences } from './copies.ts';
import { ownershipSchema, type OwnerRule, type OwnershipConfig } from './schema.ts';
import { preflight } from './preflight.ts';
import { preflightedOperations } from './preflight-plan.ts';

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
      const configured = own(config.operations, id);
      if (configured) add(id, configured, params);
    }
    for (const [id, rules] of Object.entries(config.operations)) {
      if (env.operations?.has(id)) continue;
      if (env.operations) throw new Error(`ownership.operations: no operation "${id}" in the API's document`);
      add(id, rules, undefined);
    }
    const responseRuled = [...byOperation].filter(([, rules]) => rules.some((r) => r.source === 'response')).map(([id]) => id);
    const hasResponseRules = responseRuled.length > 0;
    // Their writes and HEADs are checked on a GET of the same path first, creates excepted; without a
    // document, which POST creates is unknown: every request but a GET is.
    const preflighted = !hasResponseRules ? undefined : env.operations ? preflightedOperations(responseRuled, byOperation, env.operations) : new Set(responseRuled);
    const limit = toBytes(config.maxBodySize);
    /** An object of another caller refused as the config says: 403, or 404 as if it did not exist. */
    const conceal = (error: unknown): unknown => (config.othersObjects === 'not-found' && error instanceof NotOwner ? new GatewayError('PCL_ERR_OBJECT_NOT_FOUND') : error);
    const judged = (ctx: RequestContext, rules: readonly CompiledOwnerRule[]): void => {
      try {
        checkRequest(ctx, rules);
      } catch (error) {
        throw conceal(error);
      }
    };

    const applicable = (ctx: RequestContext, source: 'request' | 'response') => {
      const rules = ctx.operationId === undefined ? undefined : byOperation.get(ctx.operationId);
      const list = rules?.filter((r) => (source === 'response') === (r.source === 'response'));
      if (!list?.length) return undefined;
      const identity = ctx.identity;
      if (!identity) throw new GatewayError('PCL_ERR_UNAUTHENTICATED');
      return list.filter((r) => !r.overrideRoles.some((role) => identity.roles.includes(role)));
    };

    /** Leaves the preflight GET to run just before the request is forwarded, unless an override role passes every response rule. */
    const checkFirst = (ctx: RequestContext): void => {
      const rules = applicable(ctx, 'response');
      if (!rules?.length) return;
      const check: ForwardCheck = async (c, target) => {
        try {
          await preflight(c, target, limit, config.onOversize === 'pass', (body) => {
            judgeBody(c, rules, body);
            // A GET shows the copy it judged; which copy the upstream acts on is unknown.
            if (repeatsKeys(body.text(), body.json())) throw new GatewayError('PCL_ERR_RESPONSE_UNINSPECTABLE', 'The object repeats a key: its owner is ambiguous.');
          });
        } catch (thrown) {
          const error = conceal(thrown);
          if (c.clientGone()) throw error; // nothing to answer: proxy.ts records the client as gone
          const known = error instanceof GatewayError;
          c.record('ownership', config.mode === 'enforce' ? 'deny' : 'report', known ? error.code : 'PCL_ERR_INTERNAL', known ? error.detail : undefined);
          // Enforced, a failure of the gateway's own is logged and answered 500 by the handler (proxy.ts).
          if (config.mode === 'enforce') throw error;
          // Reported, it is only logged: the request goes on, as for any other finding.
          if (!known) env.logger.error({ reqId: c.id, err: error }, 'internal error while handling a request');
        }
      };
      checkBeforeForward(ctx, check);
    };

    return {
      readHeaders: [...new Set([...byOperation.values()].flat().filter((r) => r.source === 'header').map((r) => r.name.toLowerCase()))],
      onRequest(ctx) {
        if (preflighted !== undefined && ctx.req.method !== 'GET' && preflighted.has(ctx.operationId!)) checkFirst(ctx);
        const rules = applicable(ctx, 'request');
        if (rules === undefined) return undefined;
        // A body the upstream reads fields from may hold another copy of a path or query parameter:
        // read it (once, shared with the body policies) before judging.
        const type = ctx.req.headers['content-type'];
        if (type !== undefined && hasBody(ctx.req.headers) && readsFields(type) && rules.some((r) => r.source !== 'header')) {
          return readContent(ctx).then(() => judged(ctx, rules));
        }
        judged(ctx, rules);
        return undefined;
      },
      ...(hasResponseRules
        ? {
            responseBodyLimit: limit,
            oversize: config.onOversize,
            onResponseBody(ctx, head, body) {
              if (head.statusCode < 200 || head.statusCode >= 300) return undefined;
              const rules = applicable(ctx, 'response');
              if (!rules?.length) return undefined;
              try {
                return judgeBody(ctx, rules, body);
              } catch (error) {
                throw conceal(error);
              }
            },
          }
        : {}),
    };
  },
};

/**
 * A response body as the caller may see it: undefined when it is all the caller's, a replacement
 * without the items of others. Throws 403 for an object the caller does not own.
 */
function judgeBody(ctx: RequestContext, rules: readonly CompiledOwnerRule[], body: ResponseBody): BodyReplacement | undefined {
  const value = body.json();
  if (value === NOT_JSON) throw new GatewayError('PCL_ERR_RESPONSE_UNINSPECTABLE', 'The upstream response is not valid JSON.');
  const owners = rules.map((rule) => claimOf(ctx.identity!, rule.claim));
  if (owners.includes(undefined)) throw notOwner();
  const judged = judge(value, rules, owners as string[], false);
  // Unchanged, with a key written twice, the bytes would carry the copy JSON.parse dropped
  // (another caller's items): what was judged is sent instead.
  const repeats = judged === value && repeatsKeys(body.text(), value);
  if (judged === value && !repeats) return undefined;
  if (judged !== ROUNDED && !body.mayHoldInexactNumbers) return { json: judged };
  // Rare: an owner field is an integer beyond 2^53, which JSON.parse rounded (another
  // owner's id may round to the caller's), or the body holds such integers and is rewritten:
  // decided again, and rewritten, on the exact digits.
  const exact = body.exactJson();
  const kept = judge(exact, rules, owners as string[], true) as unknown;
  return kept === exact && !repeats ? undefined : exactReplacement(kept);
}

/**
 * The response as the caller may see it: the same value when it is all the caller's, the value with
 * the items of others removed from the lists rules name, or ROUNDED when an owner field is an integer
 * JSON.parse rounded (see ownerField). Throws 403 for an object the caller does not own.
 */
function judge(root: unknown, rules: readonly CompiledOwnerRule[], owners: readonly string[], exact: boolean): unknown {
  let value = root;
  for (let r = 0; r < rules.length; r++) {
    const rule = rules[r]!;
    const owner = owners[r]!;
    if (!rule.after) {
      const field = ownerField(get(value, rule.before), exact);
      if (field === ROUNDED) return ROUNDED;
      if (field !== owner) throw notOwner();
      continue;
    }
    const list = get(value, rule.before);
    if (list === null) continue; // no items: nothing of anyone's shown
    if (list === undefined) {
      // No list where the rule says: nothing to filter, unless a list of items carrying the owner
      // field is elsewhere (a top-level array, another key): a body of another shape is not passed
      // unchecked.
      if (holdsOwnedItems(value, rule.after, 0)) throw new GatewayError('PCL_ERR_RESPONSE_UNINSPECTABLE', 'The upstream response holds owned items elsewhere than the ownership rule says.');
      continue;
    }
    // One object where a list was expected is one item: it must be the caller's.
    if (!Array.isArray(list)) {
      const field = ownerField(get(list, rule.after), exact);
      if (field === ROUNDED) return ROUNDED;
      if (field !== owner) throw notOwner();
      continue;
    }
    const kept: unknown[] = [];
    for (const item of list) {
      const field = ownerField(get(item, rule.after), exact);
      if (field === ROUNDED) return ROUNDED;
      if (field === owner) kept.push(item);
    }
    if (kept.length !== list.length) value = replaceAt(value, rule.before, kept);
  }
  return value;
}

/** Whether `value` holds, anywhere, a list with an item that has the owner field at `after` (bounded depth: deeper counts as yes). */
function holdsOwnedItems(value: unknown, after: readonly string[], depth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth > 64) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (get(item, after) !== undefined || holdsOwnedItems(item, after, depth + 1)) return true;
    return false;
  }
  for (const child of Object.values(value)) if (holdsOwnedItems(child, after, depth + 1)) return true;
  return false;
}

/** An object of another caller: 403, or 404 with `othersObjects: not-found` (conceal). */
class NotOwner extends GatewayError {}

function notOwner(): GatewayError {
  return new NotOwner('PCL_ERR_FORBIDDEN', 'The caller does not own this object.');
}

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

/** Refuses a request whose ruled parameters are not the caller's, or have another copy the upstream may read. */
function checkRequest(ctx: RequestContext, rules: readonly CompiledOwnerRule[]): void {
  // Every query parameter, and top-level field of the body, as the names it is read as.
  let occurrences: Occurrences | undefined;
  for (const rule of rules) {
    const owner = claimOf(ctx.identity!, rule.claim);
    let value: string | undefined;
    if (rule.source === 'header') {
      const raw = ctx.req.headers[rule.name.toLowerCase()];
      value = typeof raw === 'string' ? raw : undefined;
    } else {
      occurrences ??= [...pairOccurrences(ctx.query), ...bodyOccurrences(ctx)];
      const copies = copiesOf(occurrences, rule.readings);
      if (rule.source === 'path') {
        // Another copy of the path parameter (`/users/2/notes?userId=1`): the upstream may read that one.
        const raw = ctx.params?.[rule.name];
        value = copies === 0 && typeof raw === 'string' ? safeDecode(raw) : undefined;
      } else {
        // Exactly one parameter read as this name, spelt as the rule spells it: the upstream may read
        // another copy (PHP the last, ASP.NET the first, Spring both joined).
        value = copies === 1 ? onlyValue(new URLSearchParams(ctx.query).getAll(rule.name)) : undefined;
      }
    }
    if (owner === undefined || value === undefined || value !== owner) throw notOwner();
  }
}
