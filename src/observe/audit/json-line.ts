// An exported event is one JSON line. JSON.stringify escapes only the characters below U+0020, but
// readers split lines at more: Python's str.splitlines() at NEL (U+0085, and the other C1 controls
// a header byte read as Latin-1 becomes) and at U+2028 / U+2029, as JavaScript's line terminators.
// A client's cookie name in the evidence must not cut a record in two for them.
const LINE_BREAKING = /[\u0080-\u009f\u2028\u2029]/g;

export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value).replace(LINE_BREAKING, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}
