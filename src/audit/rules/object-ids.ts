// API1: sequential, guessable object identifiers in paths.
import { typesOf } from '../model.ts';
import { isIdName } from '../names.ts';
import type { Rule } from '../types.ts';

const DIGITS_ONLY = /^\^?(?:\\d|\[0-9\])(?:\+|\*|\{\d*,?\d*\})\$?$/;

export const numericIdInPath: Rule = {
  id: 'numeric-id-in-path',
  title: 'Numeric object id in the path',
  severity: 'medium',
  category: 'API1:2023',
  cwe: 639,
  why: 'Sequential numeric ids (/orders/1001, /orders/1002) are trivial to enumerate: one missing ownership check and every object is readable (BOLA, the first risk of the OWASP API Top 10).',
  fix: 'Check object ownership on every call (the gateway\'s ownership policy can), and expose random identifiers (UUIDs, `format: uuid`) instead of database sequence numbers.',
  check(model, report) {
    for (const op of model.operations) {
      for (const p of op.parameters) {
        if (p.in !== 'path' || !isIdName(p.name) || !p.schema) continue;
        const schema = model.resolve(p.schema.node, p.schema.path)?.node;
        if (!schema) continue;
        const types = typesOf(schema);
        const numeric = types.includes('integer') || types.includes('number') || (types.includes('string') && typeof schema.pattern === 'string' && DIGITS_ONLY.test(schema.pattern));
        if (numeric) report(p.path, `${op.label}: path parameter "${p.name}" is a numeric id.`, op.label);
      }
    }
  },
};
