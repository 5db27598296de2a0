// GET /api/inventory/openapi: an OpenAPI 3.1 draft of the traffic the gateway observed — every
// called operation and every undocumented call (templated), with path parameters, the query
// parameter names seen, the status classes answered, the media types of bodies and, for JSON bodies,
// the structure inferred from a sample (shape.ts) — for people to review and adopt. It never holds a
// value seen in traffic: no examples, no enums, no defaults.
import { isJson } from './media.ts';
import { toJsonSchema } from './shape.ts';
import type { InventoryView, UsageView } from './view.ts';

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

export function openapiDraft(inventory: InventoryView, title = 'Observed API'): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const put = (path: string, method: string, operation: Record<string, unknown>) => {
    for (const m of method.split(',')) {
      const lower = m.toLowerCase();
      const targets = METHODS.has(lower) ? [lower] : m === '*' ? ['get'] : [];
      for (const t of targets) (paths[path] ??= {})[t] ??= operation;
    }
  };
  for (const o of inventory.operations) {
    if (o.count === 0) continue;
    const path = o.path.endsWith('/*') ? undefined : o.path;
    if (!path) continue; // catch-all routes: their calls are listed one by one under shadow
    put(path, o.method, { operationId: o.operationId, ...(o.deprecated ? { deprecated: true } : {}), parameters: pathParameters(path), ...requestBody(o), responses: responses(o), 'x-portcullis-observed': observed(o, o.documented) });
  }
  for (const s of inventory.shadow) {
    const parameters = [...pathParameters(s.path), ...s.queryNames.map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } }))];
    put(s.path, s.method, { summary: 'Observed, not in any OpenAPI document', parameters, ...requestBody(s), responses: responses(s), 'x-portcullis-observed': observed(s, false) });
  }
  const sorted = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    openapi: '3.1.0',
    info: { title, version: 'draft', description: `Drafted by Portcullis from traffic observed since ${new Date(inventory.since).toISOString()}. Review before use: body schemas are inferred from a sample of the bodies seen (structure and formats only, never values).` },
    paths: sorted,
  };
}

function pathParameters(path: string): Record<string, unknown>[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
}

/** The media types of request bodies seen; JSON ones with the inferred schema. */
function requestBody(u: UsageView): Record<string, unknown> {
  const types = Object.keys(u.requestTypes);
  return types.length ? { requestBody: { content: content(types, u.bodies?.request) } } : {};
}

function responses(u: UsageView): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [cls, n] of Object.entries(u.status)) {
    if (n === 0) continue;
    const types = Object.keys(u.responseTypes[cls] ?? {});
    out[cls.toUpperCase()] = { description: `observed ${n} time(s)`, ...(types.length ? { content: content(types, u.bodies?.[cls]) } : {}) };
  }
  return Object.keys(out).length ? out : { default: { description: 'not observed' } };
}

function content(types: string[], shape: Parameters<typeof toJsonSchema>[0] | undefined): Record<string, unknown> {
  const schema = shape ? toJsonSchema(shape) : undefined;
  return Object.fromEntries(types.sort().map((t) => [t, isJson(t) && schema ? { schema } : {}]));
}

function observed(u: UsageView, documented: boolean): Record<string, unknown> {
  const samples = Object.fromEntries(Object.entries(u.bodies ?? {}).map(([slot, shape]) => [slot, shape.n]));
  return { documented, count: u.count, firstSeen: u.firstSeen, lastSeen: u.lastSeen, ...(Object.keys(samples).length ? { bodySamples: samples } : {}) };
}
