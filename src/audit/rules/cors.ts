// API8: cross-origin policy (CORS) missing from the document, or open to every origin with credentials.
import type { Node } from '../model.ts';
import type { Rule } from '../types.ts';

function declaredValues(header: Node): unknown[] {
  const schema: Node = header.schema ?? header; // 3.x keeps the schema under `schema`, 2.0 inline
  const values: unknown[] = [schema.const, schema.default, schema.example, header.example];
  if (Array.isArray(schema.enum)) values.push(...schema.enum);
  if (Array.isArray(schema.examples)) values.push(...schema.examples);
  return values.filter((v) => v !== undefined);
}

export const corsUndefined: Rule = {
  id: 'cors-undefined',
  title: 'No CORS policy documented',
  severity: 'low',
  category: 'API8:2023',
  cwe: 942,
  why: 'When no response documents Access-Control-Allow-Origin, the cross-origin policy is left to whoever deploys the API; a permissive default (`*` or reflecting the Origin) lets any website call it from a victim\'s browser.',
  fix: 'Decide which origins may call the API from a browser and document `Access-Control-Allow-Origin` on the responses (or state that browsers are not supported and no CORS headers are sent).',
  check(model, report) {
    if (model.operations.length === 0) return;
    const documented = model.operations.some((op) => op.responses.some((r) => r.headers.has('access-control-allow-origin')));
    if (!documented) report(model.root.paths ? ['paths'] : [], 'No response documents an Access-Control-Allow-Origin header (CORS policy undefined).');
  },
};

export const corsWildcardCredentials: Rule = {
  id: 'cors-wildcard-credentials',
  title: 'CORS open to any origin with credentials',
  severity: 'high',
  category: 'API8:2023',
  cwe: 942,
  why: 'Access-Control-Allow-Origin `*` (or a reflected origin) together with Access-Control-Allow-Credentials `true` lets any website read authenticated responses in a victim\'s browser.',
  fix: 'Allow a fixed list of trusted origins when credentials are allowed; never `*` or the reflected Origin.',
  check(model, report) {
    for (const op of model.operations) {
      for (const r of op.responses) {
        const origin = r.headers.get('access-control-allow-origin');
        const credentials = r.headers.get('access-control-allow-credentials');
        if (!origin || !credentials) continue;
        const wildcard = declaredValues(origin.node).some((v) => v === '*' || v === 'null');
        const withCredentials = declaredValues(credentials.node).some((v) => v === true || v === 'true');
        if (wildcard && withCredentials) report(origin.path, `${op.label} allows any origin (*) together with credentials.`, op.label);
      }
    }
  },
};
