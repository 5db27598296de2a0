// JSON integers beyond 2^53, which JSON.parse rounds (9007199254740993 reads 9007199254740992): the
// response policies that must know their exact digits (card numbers sent as numbers, 64-bit owner ids)
// parse the body again, rarely, keeping them as their source text.

// Not in the TypeScript lib yet (Node 24 has them): a JSON number kept as its exact source text.
export type RawJson = { readonly rawJSON: string };
const JSONX = JSON as unknown as { rawJSON(text: string): RawJson; isRawJSON(value: unknown): value is RawJson };

/**
 * Parses JSON keeping integers beyond 2^53 as their exact text (JSON.rawJSON, serialized unchanged):
 * JSON.parse rounds them, so a 17 to 19 digit card number sent as a number could not be checked.
 */
export function parseExactIntegers(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined && /^-?\d+$/.test(context.source) ? JSONX.rawJSON(context.source) : value,
  );
}

/** Whether a value is a number parseExactIntegers kept as text (JSON.isRawJSON). */
export function isRawJson(value: unknown): value is RawJson {
  return JSONX.isRawJSON(value);
}

/** A JSON number kept as its source text (JSON.rawJSON). */
export function rawJson(text: string): RawJson {
  return JSONX.rawJSON(text);
}
