// Injection (filed under API8:2023, as OWASP suggests): SQL injection in string query and path
// parameters of reads, confirmed by a database error or by a boolean differential (a true condition
// answers like the normal value, a false one differently).
import { isSuccess, type ScanContext, type Seen } from '../context.ts';
import { mainType } from '../examples.ts';
import type { HttpResponse } from '../http.ts';
import { itemsOf, loginFields } from '../plan.ts';
import type { CheckInfo } from '../types.ts';
import { sqlErrorIn, type Check } from './check.ts';

export const SQLI: CheckInfo = {
  id: 'sql-injection',
  title: 'SQL injection',
  category: 'API8:2023',
  severity: 'critical',
  cwe: 89,
  why: 'A parameter is pasted into SQL: callers read or change any table (the users\' password hashes included).',
  fix: 'Use parameterized queries; validate parameters against the schema (pattern, maxLength); at the gateway, request validation and the SQL injection detector.',
};

/** [true, false] suffixes closing a quoted string (LIKE patterns too) or a number. */
const BOOLEAN_PAIRS: readonly [string, string][] = [
  ["%' AND 1=1 -- ", "%' AND 1=2 -- "],
  ["' AND '1'='1", "' AND '1'='2"],
  [' AND 1=1', ' AND 1=2'],
];

export const NOSQLI: CheckInfo = {
  id: 'nosql-injection',
  title: 'NoSQL operator injection in the log-in',
  category: 'API8:2023',
  severity: 'critical',
  cwe: 943,
  why: 'The log-in passes a JSON object from the body to the database query: {"$ne": null} as the password matches any password.',
  fix: 'Accept only strings for credentials (validate the body against its schema) and never pass request objects into queries.',
};

export const injectionCheck: Check = {
  infos: [SQLI, NOSQLI],
  async run(ctx) {
    const done = new Set<unknown>();
    for (const seen of ctx.enabled(SQLI.id) ? ctx.seen : []) {
      if (seen.op.method !== 'GET' || done.has(seen.op) || !isSuccess(seen.res)) continue;
      done.add(seen.op);
      for (const p of seen.op.parameters) {
        if (p?.in !== 'query' || !injectable(p.schema)) continue;
        await probe(ctx, seen, String(p.name));
      }
    }
    if (ctx.enabled(NOSQLI.id)) await nosqlLogin(ctx);
  },
};

/** A string the server may paste into a query: no enum, no format that a parser would refuse first. A pattern is no protection until the server enforces it. */
export function injectable(schema: Record<string, any> | undefined): boolean {
  return schema !== undefined && mainType(schema) === 'string' && !schema.enum && schema.const === undefined && !['date', 'date-time', 'uuid', 'email', 'uri', 'ipv4', 'ipv6', 'binary', 'byte'].includes(schema.format);
}

/** The log-in with {"$ne": null} as the password: a token for a user whose password the scan does not send. */
async function nosqlLogin(ctx: ScanContext): Promise<void> {
  const op = ctx.plan.login;
  const fields = op ? loginFields(op) : {};
  if (!op || !fields.user || !fields.password) return;
  const example = (op.requestExample ?? {}) as Record<string, unknown>;
  const user = ctx.identities.map((i) => i.credentials.user).find(Boolean) ?? example[fields.user] ?? ctx.users[0]?.username;
  if (typeof user !== 'string') return;
  ctx.test(NOSQLI.id, op.label);
  const res = await ctx.send(undefined, 'POST', op.fullPath, { body: { ...example, [fields.user]: user, [fields.password]: { $ne: null } } }, 'the password as {"$ne": null}');
  if (isSuccess(res) && /token|session/i.test(res.text)) {
    ctx.report(NOSQLI, op.label, `${op.label} logged in "${user}" with the password {"$ne": null} (${res.status}).`, [res.exchange]);
  }
}

function shape(res: HttpResponse): string {
  const items = itemsOf(res.json);
  return `${res.status}:${items ? `items=${items.length}` : `len=${Math.round(res.text.length / 50)}`}`;
}

async function probe(ctx: ScanContext, seen: Seen, name: string): Promise<void> {
  const { op } = seen;
  ctx.test(SQLI.id, op.label);
  const base = new URLSearchParams(ctx.query(op).slice(1)).get(name) ?? 'a';
  const send = (value: string, note: string) => ctx.send(seen.who, 'GET', seen.path + ctx.query(op, { [name]: value }), {}, note);
  const normal = await send(base, `"${name}" as normal`);
  const quote = await send(`${base}'`, `a quote in "${name}"`);
  const error = sqlErrorIn(quote.text);
  if (error && !sqlErrorIn(normal.text)) {
    ctx.report(SQLI, op.label, `A quote in "${name}" made ${op.label} answer ${quote.status} with a database error ("${error}").`, [quote.exchange, normal.exchange]);
    return;
  }
  if (!isSuccess(normal)) return;
  for (const [t, f] of BOOLEAN_PAIRS) {
    const yes = await send(`${base}${t}`, `"${name}" with a true condition`);
    const no = await send(`${base}${f}`, `"${name}" with a false condition`);
    if (shape(yes) === shape(normal) && shape(no) !== shape(normal) && isSuccess(yes)) {
      // A second normal request rules out answers that change by themselves.
      const again = await send(base, `"${name}" as normal, again`);
      if (shape(again) !== shape(normal)) return;
      ctx.report(SQLI, op.label, `"${name}" of ${op.label} changes the query: a true condition answers like "${base}" (${shape(yes)}), a false one differently (${shape(no)}).`, [yes.exchange, no.exchange]);
      return;
    }
  }
}
