// API3:2023 Broken Object Property Level Authorization: mass assignment (read-only or privileged
// properties written, then read back to confirm they stuck, then restored) and excessive data exposure
// (answers with properties the response schema does not declare, or with secrets).
import { isPrivilegedField, isServerAssignedField, secretKind } from '../../audit/names.ts';
import { own } from '../../core/own.ts';
import { bodyFor, mainType } from '../examples.ts';
import { isSuccess, type ScanContext } from '../context.ts';
import type { Identity } from '../identity.ts';
import type { ScanOperation } from '../operations.ts';
import type { CheckInfo } from '../types.ts';
import type { Check } from './check.ts';

export const MASS_ASSIGNMENT: CheckInfo = {
  id: 'mass-assignment',
  title: 'Read-only or privileged properties can be written (mass assignment)',
  category: 'API3:2023',
  severity: 'critical',
  cwe: 915,
  why: 'The API copies properties from the request body that the caller must not set (a role, a balance, a status): users raise their own privileges or change what only the server may.',
  fix: 'Bind only the properties the request schema allows (additionalProperties: false, readOnly respected); at the gateway, request validation refuses the rest.',
};

export const EXPOSURE: CheckInfo = {
  id: 'excessive-data-exposure',
  title: 'Answers carry properties the schema does not declare, or secrets',
  category: 'API3:2023',
  severity: 'high',
  cwe: 213,
  why: 'The API returns more than its response schema promises (whole database rows, password hashes, internal notes) and relies on clients not to show it.',
  fix: 'Serialize responses from an explicit list of properties; at the gateway, response-filter removes what the schema does not declare.',
};

export const propertiesCheck: Check = {
  infos: [MASS_ASSIGNMENT, EXPOSURE],
  async run(ctx) {
    if (ctx.enabled(EXPOSURE.id)) exposure(ctx);
    if (!ctx.enabled(MASS_ASSIGNMENT.id)) return undefined;
    const people = [ctx.users.at(-1), ctx.users[0], ctx.identities[0]].filter((i): i is Identity => i !== undefined);
    if (people.length === 0) return 'needs an identity';
    for (const op of ctx.plan.spec.operations) {
      if (!['PATCH', 'PUT'].includes(op.method) || !op.requestSchema?.properties) continue;
      // The creator for objects the scan made; the last ordinary user for its own account.
      const who = people.find((p) => ctx.resolve(op, p)?.created) ?? people[0]!;
      await massAssignment(ctx, op, who);
    }
    return undefined;
  },
};

/** Properties a caller must not write: readOnly or privileged in the answer, and not writable in the request. */
export function forbiddenProperties(op: ScanOperation, answer: Record<string, any> | undefined): [string, Record<string, any>][] {
  const writable: Record<string, any> = op.requestSchema?.properties ?? {};
  const out: [string, Record<string, any>][] = [];
  for (const [name, schema] of Object.entries((answer?.properties ?? {}) as Record<string, any>)) {
    if (isServerAssignedField(name) || /^owner/i.test(name)) continue;
    const declared = own(writable, name);
    if (declared && declared.readOnly !== true) continue;
    if (schema?.readOnly === true || isPrivilegedField(name)) out.push([name, schema]);
  }
  return out;
}

/** A value for a property that differs from `current` and stays within the schema. */
export function otherValue(schema: Record<string, any>, current: unknown, marker: string): unknown {
  if (Array.isArray(schema.enum)) return schema.enum.find((v: unknown) => v === 'admin') !== undefined && current !== 'admin' ? 'admin' : schema.enum.find((v: unknown) => v !== current && v !== null);
  switch (mainType(schema)) {
    case 'integer':
    case 'number': {
      const max = typeof schema.maximum === 'number' ? schema.maximum : 1_000_000;
      return current === max ? Math.max(0, max - 1) : max;
    }
    case 'boolean':
      return current !== true;
    case 'string':
      return marker;
    default:
      return undefined;
  }
}

async function massAssignment(ctx: ScanContext, op: ScanOperation, who: Identity): Promise<void> {
  const resolved = ctx.resolve(op, who);
  const selfWrite = op.pathParams.length === 0 && ctx.plan.self?.path === op.path;
  if (!resolved || !(resolved.created || selfWrite || (resolved.owned && ctx.settings.allowDestructive))) return;
  const reader = ctx.plan.spec.operations.find((o) => o.method === 'GET' && o.path === op.path);
  const candidates = forbiddenProperties(op, reader?.responseSchema ?? op.responseSchema);
  if (!reader || candidates.length === 0) return;
  ctx.test(MASS_ASSIGNMENT.id, op.label);
  const before = await ctx.send(who, 'GET', resolved.path, {}, `${who.name} reads the object first`);
  if (!isSuccess(before) || !before.json || typeof before.json !== 'object') return;
  const current = before.json as Record<string, unknown>;
  const extra: Record<string, unknown> = {};
  for (const [name, schema] of candidates) {
    const v = otherValue(schema, own(current, name), ctx.marker());
    if (v !== undefined) extra[name] = v;
  }
  // The allowed properties keep their current values: only the forbidden ones would change anything.
  const example = bodyFor(op.requestSchema, op.requestExample, () => ctx.marker());
  const base = Object.fromEntries(Object.entries(example && typeof example === 'object' ? example : {}).map(([k, v]) => [k, own(current, k) ?? v]));
  const body = { ...base, ...extra };
  const write = await ctx.send(who, op.method, resolved.path, { body }, `${who.name} sends properties it must not set`);
  if (!isSuccess(write)) return;
  const after = await ctx.send(who, 'GET', resolved.path, {}, `${who.name} reads the object again`);
  const now = (after.json ?? {}) as Record<string, unknown>;
  const stuck = Object.keys(extra).filter((k) => JSON.stringify(now[k]) === JSON.stringify(extra[k]));
  if (stuck.length === 0) return;
  const list = stuck.map((k) => `${k}: ${JSON.stringify(current[k])} → ${JSON.stringify(extra[k])}`).join(', ');
  ctx.report(MASS_ASSIGNMENT, op.label, `${op.label} stored properties the caller must not set (${list}).`, [write.exchange, after.exchange]);
  // Put the identity back as it was, so the rest of the scan (and the next one) sees it unchanged.
  const restore = Object.fromEntries(stuck.map((k) => [k, current[k]]));
  await ctx.send(who, op.method, resolved.path, { body: { ...base, ...restore } }, 'restores the original values');
}

function exposure(ctx: ScanContext): void {
  const done = new Set<ScanOperation>();
  for (const { op, res } of ctx.seen) {
    if (done.has(op) || !isSuccess(res) || !op.responseSchema || res.json === undefined) continue;
    done.add(op);
    ctx.test(EXPOSURE.id, op.label);
    const undeclared: string[] = [];
    const secrets: string[] = [];
    const issuing = op === ctx.plan.login;
    walk(res.json, op.responseSchema, '', 0, (path, name, declared) => {
      const kind = secretKind(name);
      if (kind && !(kind === 'issued' && issuing)) secrets.push(path);
      else if (!declared) undeclared.push(path);
    });
    if (secrets.length === 0 && undeclared.length === 0) continue;
    const parts = [];
    if (secrets.length) parts.push(`secrets: ${[...new Set(secrets)].slice(0, 8).join(', ')}`);
    if (undeclared.length) parts.push(`not in the response schema: ${[...new Set(undeclared)].slice(0, 8).join(', ')}`);
    ctx.report(EXPOSURE, op.label, `${op.label} answers with ${parts.join('; ')}.`, [res.exchange], 'confirmed', secrets.length ? 'high' : 'medium');
  }
}

type Visit = (path: string, name: string, declared: boolean) => void;

/** Visits each property of the answer with whether the schema declares it (objects and arrays, nested). */
function walk(value: unknown, schema: Record<string, any> | undefined, path: string, depth: number, visit: Visit): void {
  if (depth > 6 || value === null || typeof value !== 'object' || !schema) return;
  if (Array.isArray(value)) {
    const items = schema.items as Record<string, any> | undefined;
    for (const v of value.slice(0, 20)) walk(v, items, `${path}[]`, depth + 1, visit);
    return;
  }
  const properties = collectProperties(schema);
  if (!properties) return; // free-form object: nothing to compare with
  const open = schema.additionalProperties !== undefined && schema.additionalProperties !== false;
  for (const [name, v] of Object.entries(value)) {
    const declared = Object.hasOwn(properties, name);
    visit(path ? `${path}.${name}` : name, name, declared || open);
    if (declared) walk(v, properties[name], path ? `${path}.${name}` : name, depth + 1, visit);
  }
}

/** Declared properties, across allOf / oneOf / anyOf; undefined when the schema does not list them. */
function collectProperties(schema: Record<string, any>): Record<string, any> | undefined {
  let found: Record<string, any> | undefined = schema.properties ? { ...schema.properties } : undefined;
  for (const key of ['allOf', 'oneOf', 'anyOf']) {
    if (!Array.isArray(schema[key])) continue;
    for (const part of schema[key]) {
      const p = part && typeof part === 'object' ? collectProperties(part) : undefined;
      if (p) found = { ...(found ?? {}), ...p };
    }
  }
  return found;
}
