// Finds leaks in a response body and applies the configured action to each: masks them in place
// (JSON stays valid: values and keys are replaced, never the structure), or reports which types to block.
import { GatewayError } from '../../core/errors.ts';
import { PASSWORD_FIELD, TEXT_DETECTORS, type LeakType } from './detectors.ts';
import type { LeakAction } from './schema.ts';
import { isRawJson } from '../../core/exact-numbers.ts';
import { Members } from '../../core/json-duplicates.ts';

export interface LeakRules {
  readonly actions: Readonly<Record<LeakType, LeakAction>>;
  readonly ignoreFields: ReadonlySet<string>;
}

export interface LeakFindings {
  /** Count per type, whatever the action. */
  readonly found: Partial<Record<LeakType, number>>;
  masked: boolean;
  /** An integer beyond 2^53 was seen: its digits were rounded by JSON.parse (see parseExactNumbers). */
  imprecise?: boolean;
  /** Object members walked (see keyColons: fewer than the text holds means a key was written twice). */
  members?: number;
}

/** Containers nested deeper are not looked into. */
export const MAX_DEPTH = 128;

/** Masks what should be masked in a string; records what was found. */
export function scanText(text: string, rules: LeakRules, findings: LeakFindings): string {
  let out = text;
  for (const d of TEXT_DETECTORS) {
    const action = rules.actions[d.type];
    if (action === 'off' || !d.hint(out)) continue;
    const each = (m: string) => {
      if (d.verify && !d.verify(m)) return m;
      count(findings, d.type);
      if (action !== 'mask') return m;
      findings.masked = true;
      return d.mask(m);
    };
    out = d.replace ? d.replace(out, each) : out.replace(d.pattern, each);
  }
  // Password members in text: JSON that does not parse as a whole (NaN, a byte-order mark, JSON sent
  // as text/html) or JSON inside a string value, which clients may still parse.
  if (rules.actions.password !== 'off' && MEMBER_COLON.test(out)) {
    out = out.replace(JSON_MEMBER, (m, name: string, value: string) => {
      if (!PASSWORD_FIELD.test(name.includes('\\') ? unescapeName(name) : name) || value === '""') return m;
      count(findings, 'password');
      if (rules.actions.password !== 'mask') return m;
      findings.masked = true;
      return `"${name}":"[REDACTED]"`;
    });
  }
  return out;
}

/**
 * `"name": value` with a string or number value, as JSON writes a member: blanks around the colon
 * (Jackson's pretty printer writes `"name" : value`), letters of the name possibly escaped (`\u0077`).
 */
const JSON_MEMBER = /"((?:[A-Za-z_]|\\u[0-9A-Fa-f]{4}){1,40})"\s*:\s*("(?:[^"\\\n]|\\.)*"|-?\d[\d.eE+-]*)/g;
/** A quote then a colon, blanks between: the cheap test before JSON_MEMBER runs. */
const MEMBER_COLON = /"\s*:/;

function unescapeName(name: string): string {
  return name.replace(/\\u([0-9A-Fa-f]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * Walks a parsed JSON value; returns the same value when nothing was masked. String values, object
 * keys and numbers (their JSON text) are scanned; `ignoreFields` exempts only a string value of such
 * a field, never what is nested under it. A masked number becomes a string, a masked key stays a key:
 * the JSON stays valid. `findings.imprecise` is set when an integer was too large to be exact (see
 * parseExactNumbers). A value nested deeper than the walk goes is refused (a GatewayError,
 * PCL_ERR_RESPONSE_UNINSPECTABLE): its depths are never passed on unchecked.
 */
export function scanJson(value: unknown, rules: LeakRules, findings: LeakFindings, depth = 0): unknown {
  if (typeof value === 'string') return scanText(value, rules, findings);
  if (typeof value === 'number') {
    // Only integers of 13 digits and more can hold what is looked for (card numbers).
    if (!Number.isInteger(value) || Math.abs(value) < 1e12) return value;
    if (!Number.isSafeInteger(value)) findings.imprecise = true;
    return scanNumber(String(value), value, rules, findings);
  }
  if (value === null || typeof value !== 'object') return value;
  // What lies deeper than the walk goes cannot be checked: the body is withheld, never passed on unchecked.
  if (depth > MAX_DEPTH) throw new GatewayError('PCL_ERR_RESPONSE_UNINSPECTABLE', `The upstream response is nested deeper than ${MAX_DEPTH} levels.`);
  if (isRawJson(value)) return scanNumber(value.rawJSON, value, rules, findings);
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = scanJson(value[i], rules, findings, depth + 1);
      if (v !== value[i]) (out ??= value.slice())[i] = v;
    }
    return out ?? value;
  }
  if (value instanceof Members) {
    const entries = scanMembers(value.entries, rules, findings, depth);
    return entries === undefined ? value : new Members(entries);
  }
  const entries = scanMembers(Object.entries(value), rules, findings, depth);
  if (entries === undefined) return value;
  // Rebuilt in order; two keys masked alike ("************1111") both stay, the later one numbered.
  // (fromEntries defines own properties: a "__proto__" key stays a key, never the prototype.)
  const names = new Set<string>();
  for (const entry of entries) {
    let name = entry[0];
    for (let n = 2; names.has(name); n++) name = `${entry[0]} (${n})`;
    names.add(name);
    entry[0] = name;
  }
  return Object.fromEntries(entries);
}

/** The members of an object scanned, or undefined when nothing was masked. */
function scanMembers(members: [string, unknown][], rules: LeakRules, findings: LeakFindings, depth: number): [string, unknown][] | undefined {
  findings.members = (findings.members ?? 0) + members.length;
  let changed = false;
  const entries: [string, unknown][] = [];
  for (const [key, child] of members) {
    const k = scanText(key, rules, findings);
    let v: unknown;
    if (typeof child === 'string' && rules.ignoreFields.has(key)) v = child;
    // A password field's value is a secret whatever it looks like, a number (PIN-style) included.
    else if (((typeof child === 'string' && child !== '') || typeof child === 'number' || isRawJson(child)) && rules.actions.password !== 'off' && PASSWORD_FIELD.test(key)) {
      count(findings, 'password');
      v = rules.actions.password === 'mask' ? '[REDACTED]' : child;
      if (v !== child) findings.masked = true;
    } else v = scanJson(child, rules, findings, depth + 1);
    if (k !== key || v !== child) changed = true;
    entries.push([k, v]);
  }
  return changed ? entries : undefined;
}

function scanNumber(text: string, value: unknown, rules: LeakRules, findings: LeakFindings): unknown {
  // A sign is no part of a card number; exponent or fraction form ("4.111111111111111e15") is read as
  // the integer digits it spells, exactly (Number() would round past 2^53).
  const digits = integerDigits(text);
  if (digits === undefined) return value;
  const masked = scanText(digits, rules, findings);
  return masked === digits ? value : masked;
}

/** The integer digits of JSON number text, without sign or fraction; undefined beyond 40 digits. */
function integerDigits(text: string): string | undefined {
  const m = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return undefined;
  const whole = m[1]!;
  const all = whole + (m[2] ?? '');
  const point = whole.length + Number(m[3] ?? 0);
  if (point > 40) return undefined;
  const digits = point <= 0 ? '0' : point >= all.length ? all.padEnd(point, '0') : all.slice(0, point);
  return digits.replace(/^0+(?=\d)/, '');
}

function count(findings: LeakFindings, type: LeakType): void {
  findings.found[type] = (findings.found[type] ?? 0) + 1;
}
