// Strings read as numbers. Parameters and form fields arrive as text, and ajv's coerceTypes turns any
// string `+x` accepts into a number: "1e3", "0x3e9", "0b1111101001", "1001.0", " 1001", "+1001". The
// gateway would check one number while the upstream's parser reads another, or refuses it
// (?limit=1000e-1 is 100 here and 1000 to parseInt: the page-size cap undone). So a string becomes an
// integer only when it is canonical decimal digits and a number only when it is a JSON number;
// anything else is refused with ajv's own type error ("must be integer").
//
// The check has to run before ajv coerces, which it does first thing in a schema that has a `type`.
// So, in the coercing compiler's copy of the document, the `type` of every schema that can turn a
// string into a number is moved under NUMERIC_TEXT: the keyword checks the spelling, then applies
// `{ type }` (coercing in place, as before) only to values that pass. Other keywords stay where they
// are (no pointer changes) and see the coerced number. Schemas without a numeric type get no code.
import { _, type Ajv, type KeywordCxt } from 'ajv';

export const NUMERIC_TEXT = 'x-portcullis-numeric-text';

/**
 * One spelling per integer: digits, '-' for negatives, no leading zero and no "-0". Upstreams agree
 * on "007" = 7, but the gateway compares ids as text (an ownership claim, distinct ids counted for
 * enumeration), and strtol with base 0 and old parseInt read "010" as octal 8.
 */
const INTEGER = /^(?:0|-?[1-9][0-9]*)$/;
/** RFC 8259: no '+', blank, hex, leading zero, Infinity or NaN. */
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

const BOUNDS = ['maximum', 'minimum', 'exclusiveMaximum', 'exclusiveMinimum', 'multipleOf', 'enum', 'const'];

function typesOf(schema: any): string[] {
  const type = schema?.type;
  if (typeof type === 'string') return [type];
  return Array.isArray(type) && type.every((t) => typeof t === 'string') ? type : [];
}

/** Whether ajv would turn a string into a number for this schema (its `type` has no string, array or object). */
function readsTextAsNumber(schema: any): boolean {
  const types = typesOf(schema);
  return types.some((t) => t === 'integer' || t === 'number') && !types.some((t) => t === 'string' || t === 'array' || t === 'object');
}

/** Moves the `type` of every schema that reads text as a number under NUMERIC_TEXT, in place. */
export function guardNumericText(node: any, seen = new Set<object>()): void {
  if (node === null || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  if (Array.isArray(node)) {
    for (const item of node) guardNumericText(item, seen);
    return;
  }
  if (readsTextAsNumber(node)) {
    node[NUMERIC_TEXT] = { type: node.type };
    delete node.type;
  }
  for (const [key, value] of Object.entries(node)) {
    // An enum's values are data (a property named "enum" is a schema object, never an array).
    if (key !== NUMERIC_TEXT && !(key === 'enum' && Array.isArray(value))) guardNumericText(value, seen);
  }
}

export function addNumericTextKeyword(ajv: Ajv): void {
  const typeText = (schema: any) => typesOf(schema).join(',');
  ajv.addKeyword({
    keyword: NUMERIC_TEXT,
    schemaType: 'object',
    // First of the keywords for any type ($ref, enum, allOf...): they see the coerced value, as before.
    before: ajv.RULES.rules.find((group) => group.type === undefined)?.rules[0]?.keyword,
    error: { message: ({ schema }) => `must be ${typeText(schema)}`, params: ({ schema }) => _`{type: ${typeText(schema)}}` },
    code(cxt: KeywordCxt) {
      const { gen, data, schema } = cxt;
      const integer = !typesOf(schema).includes('number');
      const grammar = integer ? INTEGER : NUMBER;
      const rx = gen.scopeValue('pattern', { key: grammar.toString(), ref: grammar });
      // coerceTypes "array" reads a one-item array as its item (["1e3"] → 1000): that item is checked.
      const text = gen.const('text', _`Array.isArray(${data}) && ${data}.length == 1 ? ${data}[0] : ${data}`);
      // ajv's own condition for coercing a string: the others (empty, "abc", "1.5" for an integer) get
      // its type error, or become null or a boolean, as before.
      const coerces = integer ? _`typeof ${text} == "string" && ${text} && ${text} == +${text} && !(${text} % 1)` : _`typeof ${text} == "string" && ${text} && ${text} == +${text}`;
      // Beyond 2^53 an integer is compared rounded (9007199254740993 passes a maximum of
      // 9007199254740992): where a bound or a list decides, such digits are refused. Without one,
      // 64-bit ids pass as text, as the upstream reads them.
      const decided = BOUNDS.some((k) => k in (cxt.parentSchema as object));
      const exact = integer && decided ? _` && Number.isSafeInteger(+${text})` : _``;
      const valid = gen.name('valid');
      cxt.failResult(_`${coerces} && !(${rx}.test(${text}) && isFinite(${text})${exact})`, () => {
        cxt.subschema({ keyword: NUMERIC_TEXT }, valid);
        cxt.ok(valid);
      });
    },
  });
}
