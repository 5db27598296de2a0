// JSON numbers that JSON.parse cannot give back as they were written: integers beyond 2^53
// (9007199254740993 reads 9007199254740992), numbers of more than 15 significant digits (an amount
// 12345678901234.5678 reads ...234.568), and those beyond a double's range (1e400 reads Infinity, which
// JSON.stringify writes as null; 1e-400 reads 0). The policies that must know their exact digits (card
// numbers sent as numbers, 64-bit owner ids) or that write a body again parse it once more, rarely,
// keeping such numbers as their source text.

// Not in the TypeScript lib yet (Node 24 has them): a JSON number kept as its exact source text.
export type RawJson = { readonly rawJSON: string };
const JSONX = JSON as unknown as { rawJSON(text: string): RawJson; isRawJSON(value: unknown): value is RawJson };

/** The smallest normal double: below it (subnormals) fewer digits survive. */
const MIN_NORMAL = 2.2250738585072014e-308;

/**
 * Parses JSON keeping every number JSON.parse would change as its exact text (JSON.rawJSON, serialized
 * unchanged): a 17 to 19 digit card number sent as a number can be checked, and a body written again
 * carries the digits the sender wrote.
 */
export function parseExactNumbers(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' && (!Number.isSafeInteger(value) || value === 0) && context?.source !== undefined && changedByParsing(value, context.source) ? JSONX.rawJSON(context.source) : value,
  );
}

/**
 * Whether the double JSON.parse made of a number's text may stand for another value: up to 15
 * significant digits, a normal double holds the decimal value exactly enough to give it back (1e3 is
 * written again as 1000: the same number).
 */
function changedByParsing(value: number, source: string): boolean {
  if (!Number.isFinite(value)) return true;
  const magnitude = Math.abs(value);
  if (magnitude < MIN_NORMAL) return magnitude !== 0 || /[1-9]/.test(mantissa(source));
  return significantDigits(source) > 15;
}

function mantissa(source: string): string {
  const e = source.search(/[eE]/);
  return e === -1 ? source : source.slice(0, e);
}

function significantDigits(source: string): number {
  const digits = mantissa(source).replace(/[-.]/g, '');
  const first = digits.search(/[1-9]/);
  if (first === -1) return 0;
  let last = digits.length - 1;
  while (digits.charCodeAt(last) === 0x30) last--;
  return last - first + 1;
}

/**
 * Whether a JSON text may hold a number parseExactNumbers keeps as text: 16 digits or more where JSON
 * puts values (after ":", "[" or ","; a decimal point may sit among them), or an exponent of three
 * digits. Digits inside strings (card numbers) rarely follow one of those; a false yes costs a parse.
 */
export function mayHoldInexactNumbers(text: string): boolean {
  return INEXACT.test(text);
}

const INEXACT = /[:[,]\s*-?(?:\d\.?){16}|[:[,]\s*-?[\d.]+[eE][-+]?\d{3}/;

/** Whether a value is a number parseExactNumbers kept as text (JSON.isRawJSON). */
export function isRawJson(value: unknown): value is RawJson {
  return JSONX.isRawJSON(value);
}

/** A JSON number kept as its source text (JSON.rawJSON). */
export function rawJson(text: string): RawJson {
  return JSONX.rawJSON(text);
}
