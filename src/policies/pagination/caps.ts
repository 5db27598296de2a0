// Page-size caps per operation, from the OpenAPI document (`maximum` of the parameter's schema, or of
// the parameter itself in Swagger 2.0) or the configured default; and the query read as upstreams read
// it, so that no spelling of a large page size gets past the cap.
import type { SpecOperation } from '../../openapi/operations.ts';
import { fieldNames } from '../mass-assignment/form.ts';
import { readingsOf } from '../ownership/copies.ts';

export interface Caps {
  /** Page-size parameter → its cap. */
  readonly max: ReadonlyMap<string, number>;
  /** Every name a framework reads as one of them (case folded, `limit[]`, PHP's `.` → `_`...) → that parameter. */
  readonly readings: ReadonlyMap<string, string>;
}

export function capsOf(operation: SpecOperation | undefined, names: readonly string[], fallback: number | undefined): Caps {
  const max = new Map<string, number>();
  const readings = new Map<string, string>();
  for (const name of names) {
    const p = operation?.parameters.find((x) => x?.in === 'query' && x.name === name);
    if (operation && !p) continue; // the operation does not take it: validate deals with strangers
    const maximum = p?.schema?.maximum ?? p?.maximum;
    const cap = typeof maximum === 'number' ? Math.floor(maximum) : fallback;
    if (cap === undefined) continue;
    max.set(name, cap);
    for (const reading of readingsOf([name])) {
      const other = readings.get(reading);
      // Two parameters read alike: the smaller cap counts.
      if (other === undefined || max.get(other)! > cap) readings.set(reading, name);
    }
  }
  return { max, readings };
}

const PLAIN_NAME = /^[a-z0-9_-]*$/;
const DIGITS = /^\d+$/;

/**
 * The query with every page size over its cap replaced by the cap: the same string when nothing was
 * over, else a new one (other parameters untouched, byte for byte). `over` receives the parameters
 * found over. A parameter counts under every name a framework reads as its name (`Limit`, `limit[]`,
 * `limit[0]`, percent-encoded, `;`-separated); a repeated one is checked at every occurrence.
 */
export function capQuery(query: string, caps: Caps, over: string[]): string {
  let changed = false;
  const parts = query.split('&');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    // Older Python and Perl also split at `;`: each piece is a parameter to them.
    for (const piece of part.includes(';') ? part.split(';') : [part]) {
      const eq = piece.indexOf('=');
      if (eq === -1) continue;
      const rawName = piece.slice(0, eq);
      const name = PLAIN_NAME.test(rawName) ? caps.readings.get(rawName) : readingsOf(fieldNames(piece)).map((r) => caps.readings.get(r)).find((n) => n !== undefined);
      if (name === undefined) continue;
      const cap = caps.max.get(name)!;
      if (!isOver(piece.slice(eq + 1), cap)) continue;
      over.push(name);
      parts[i] = `${rawName}=${cap}`;
      changed = true;
      break;
    }
  }
  return changed ? parts.join('&') : query;
}

/**
 * Whether an upstream may read a page size above the cap in this value. Plain digits are read as the
 * number they are. Anything else is read every way common upstreams read it: trimmed, by Number()
 * (Express: `5e3`, `5000.0`, `+5000`, `0x1388`, `Infinity`), as a numeric prefix (PHP's and
 * parseInt's `5000abc`), without `_`, `,` and blanks between digits (Python's `5_000`, thousands
 * separators); digits outside ASCII (Python and Java read `５０００`) count as over.
 */
export function isOver(raw: string, cap: number): boolean {
  const value = decode(raw);
  if (DIGITS.test(value)) return value.replace(/^0+/, '').length > 15 || Number(value) > cap;
  const t = value.trim();
  if (Number(t) > cap || parseFloat(t) > cap || parseFloat(t.replace(/(?<=\d)[_,\s]+(?=\d)/g, '')) > cap) return true;
  return /[^\x00-\x7f]/.test(t) && /\p{Nd}/u.test(t.replace(/[0-9]/g, ''));
}

function decode(text: string): string {
  if (text.indexOf('%') === -1 && text.indexOf('+') === -1) return text;
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    // Bad escapes stay as they are (as URLSearchParams keeps them), valid ones around them decode.
    return text.replaceAll('+', ' ').replace(/%[0-9a-f]{2}/gi, (e) => String.fromCharCode(parseInt(e.slice(1), 16)));
  }
}
