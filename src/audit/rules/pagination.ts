// API4: list responses with no upper bound on their size.
import type { Located, Node } from '../model.ts';
import { isObject, typesOf } from '../model.ts';
import { LIMIT_PARAMS, PAGE_PARAMS, squash } from '../names.ts';
import type { Rule } from '../types.ts';

const WRAPPERS = ['items', 'data', 'results', 'entries', 'records', 'values', 'content', 'elements', 'list', 'rows', 'hits', 'nodes', 'edges'];

function isArray(schema: Node): boolean {
  return typesOf(schema).includes('array');
}

export const listUnbounded: Rule = {
  id: 'list-unbounded',
  title: 'List response without a maximum size',
  severity: 'medium',
  category: 'API4:2023',
  cwe: 770,
  why: 'A GET that returns a list with no `maxItems` and no bounded page size lets one call ask for (or the server return) the whole table: slow queries, huge responses and easy scraping. Paginated lists need a cap on the page size too (`limit` with a `maximum`).',
  fix: 'Paginate (limit/cursor parameters), bound the page size (`maximum` on the limit parameter) and declare `maxItems` on the list in the response.',
  check(model, report) {
    for (const op of model.operations) {
      if (op.method !== 'GET') continue;
      const query = op.parameters.filter((p) => p.in === 'query');
      const limitParam = query.find((p) => LIMIT_PARAMS.has(squash(p.name)));
      const paginated = limitParam !== undefined || query.some((p) => PAGE_PARAMS.has(squash(p.name)));
      const limitSchema = limitParam?.schema ? model.resolve(limitParam.schema.node, limitParam.schema.path)?.node : undefined;
      if (limitSchema && (typeof limitSchema.maximum === 'number' || Array.isArray(limitSchema.enum))) continue;
      for (const response of op.responses) {
        if (!/^2/.test(response.status)) continue;
        for (const media of response.media) {
          if (!media.schema || !/json|\*\/\*/i.test(media.type)) continue;
          const list = findList(model.resolve, media.schema);
          if (!list || typeof list.node.maxItems === 'number') continue;
          const message = paginated
            ? `${op.label} is paginated but neither the list has maxItems nor the page size a maximum.`
            : `${op.label} returns a list without pagination or maxItems.`;
          report(list.path, message, op.label);
        }
      }
    }
  },
};

/** The array a list response returns: the body itself, or the array property of a page wrapper. */
function findList(resolve: (node: unknown, path: Located['path']) => Located | undefined, schema: Located): Located | undefined {
  const body = resolve(schema.node, schema.path);
  if (!body) return undefined;
  if (isArray(body.node)) return body;
  const properties = body.node.properties;
  if (!isObject(properties)) return undefined;
  const arrays: Located[] = [];
  for (const [name, raw] of Object.entries(properties)) {
    const p = resolve(raw, [...body.path, 'properties', name]);
    if (p && isArray(p.node)) {
      if (WRAPPERS.includes(name.toLowerCase())) return p;
      arrays.push(p);
    }
  }
  return arrays.length === 1 ? arrays[0] : undefined;
}
