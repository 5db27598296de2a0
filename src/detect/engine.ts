// Runs the detectors over inputs and turns hits into a verdict.

import type { Detector, ScanValue } from './detector.ts';
import { C, charMask } from './detector.ts';
import { judgedByParent } from './detectors/proto-pollution.ts';
import { excerpt } from './evidence.ts';
import { XML_DOCUMENT } from './extract/xml.ts';
import { decodeBase64Text, normalize } from './normalize/index.ts';
import type { ResolvedOptions } from './options.ts';
import { type AttackClass, type Input, type InputLocation, locationClasses, MALFORMED, type Match, TRUNCATED, type Verdict } from './types.ts';

// Locations whose names are attacker-chosen and inspected like values.
const NAMED_LOCATIONS = new Set<InputLocation>(['query', 'form', 'cookie', 'multipart']);
// Characters that normalization acts on (escapes, entities, non-ASCII, control characters): a value
// without any of them is its own normal form.
const NEEDS_NORMALIZING = C.percent | C.amp | C.backslash | C.nonAscii | C.ctrl;
// Characters a base64 value can hold (letters have no bit); anything else rules decoding out.
const BASE64_CHARS = C.digit | C.plus | C.slash | C.dash | C.underscore | C.eq | C.space | C.newline;
// JSON keys and leaves are judged by their text alone (no detector looks at their path, but for a
// `prototype` key, judged by its parent and never remembered), so a text already found clean in the
// same request is not scanned again: `sku`, `qty`, `price` repeat in every item of a list.
const SAME_TEXT_SAME_VERDICT = new Set<InputLocation>(['json-key', 'body']);
// An API's JSON keys are a small vocabulary repeated in every request: the clean ones are remembered
// across requests (short keys only, a bounded set emptied when full). Leaf values are not: they vary,
// and a benchmark sending one body over and over would otherwise measure nothing.
const MAX_REMEMBERED_KEY = 64;
const MAX_REMEMBERED_KEYS = 4096;

export interface EngineVerdict extends Verdict {
  /** Part of the request was not inspected: a value longer than `maxValueLength` (only its beginning
   *  was), or an extractor limit (parameters, JSON items or depth, XML nodes, multipart parts...).
   *  `blocked` then follows `onTruncated`. */
  truncated: boolean;
  /** An internal error happened; `blocked` then follows `onError`. */
  error: boolean;
  /** Why the body cannot be read unambiguously (a multipart body parsers would split differently);
   *  the request is then blocked whatever the options. */
  malformed?: string;
}

export class Engine {
  readonly #detectors: readonly Detector[];
  readonly #o: ResolvedOptions;
  readonly #cleanKeys = new Set<string>();

  constructor(detectors: readonly Detector[], options: ResolvedOptions) {
    this.#detectors = detectors.filter((d) => options.classParanoia.has(d.class));
    this.#o = options;
  }

  inspect(inputs: readonly Input[]): EngineVerdict {
    const best = new Map<string, Match>();
    let truncated = false;
    let error = false;
    let malformed: string | undefined;
    const seenNames = new Set<string>();
    const cleanKeys = this.#cleanKeys;
    let cleanLeaves: Set<string> | undefined;
    for (const input of inputs) {
      try {
        if (input.location === 'body' && (input.name === TRUNCATED || input.name === MALFORMED)) {
          if (input.name === TRUNCATED) truncated = true;
          else malformed ??= input.value;
          continue;
        }
        let value = typeof input.value === 'string' ? input.value : String(input.value);
        if (value.length > this.#o.maxValueLength) {
          value = value.slice(0, this.#o.maxValueLength);
          truncated = true;
        }
        const name = typeof input.name === 'string' ? input.name : String(input.name);
        const allowed = this.#allowed(input.location, name);
        if (allowed === 'all') continue;
        const memo = allowed === null && SAME_TEXT_SAME_VERDICT.has(input.location) && (input.location === 'json-key' || name.startsWith('$'));
        if (memo) {
          const isKey = input.location === 'json-key';
          if ((isKey ? cleanKeys : cleanLeaves)?.has(value)) continue;
          // Clean means no hit at all: a hit de-duplicated against an earlier one of the same class
          // and name (a repeated key, `{"a.k":1,"a":{"k":1}}`) leaves `best` unchanged all the same.
          if (this.#scan(value, input.location, name, isKey, allowed, best) === 0) {
            if (!isKey) (cleanLeaves ??= new Set()).add(value);
            else if (value.length <= MAX_REMEMBERED_KEY && !judgedByParent(value)) {
              if (cleanKeys.size >= MAX_REMEMBERED_KEYS) cleanKeys.clear();
              cleanKeys.add(value);
            }
          }
        } else this.#scan(value, input.location, name, input.location === 'json-key', allowed, best);
        if (NAMED_LOCATIONS.has(input.location) && name !== '' && !seenNames.has(`${input.location}\0${name}`)) {
          seenNames.add(`${input.location}\0${name}`);
          if (name.length > this.#o.maxValueLength) truncated = true;
          this.#scan(name.slice(0, this.#o.maxValueLength), input.location, name, true, allowed, best);
        }
      } catch {
        error = true;
      }
    }
    const matches = [...best.values()].sort((a, b) => b.score - a.score);
    const perClass = new Map<AttackClass, number>();
    for (const m of matches) perClass.set(m.class, Math.max(perClass.get(m.class) ?? 0, m.score));
    let score = 0;
    for (const s of perClass.values()) score += s;
    const blocked = score >= this.#o.threshold || (error && this.#o.onError === 'block') || (truncated && this.#o.onTruncated === 'block') || malformed !== undefined;
    return malformed === undefined ? { blocked, score, matches, truncated, error } : { blocked, score, matches, truncated, error, malformed };
  }

  #allowed(location: InputLocation, name: string): ReadonlySet<AttackClass> | 'all' | null {
    let set: Set<AttackClass> | null = null;
    for (const e of this.#o.exclusions) {
      if (e.location !== undefined && (typeof e.location === 'string' ? e.location !== location : !e.location.includes(location))) continue;
      if (typeof e.name === 'string' ? e.name !== name : !e.name.test(name)) continue;
      if (e.allow === 'all') return 'all';
      set ??= new Set();
      for (const c of e.allow) set.add(c);
    }
    return set;
  }

  #scan(
    raw: string,
    location: InputLocation,
    name: string,
    isName: boolean,
    allowed: ReadonlySet<AttackClass> | null,
    best: Map<string, Match>,
  ): number {
    if (raw === '') return 0;
    const rawChars = charMask(raw);
    const plain = (rawChars & NEEDS_NORMALIZING) === 0;
    const text = plain ? raw : normalize(raw);
    const chars = plain ? rawChars : charMask(text);
    const lower = text.toLowerCase();
    let hits = this.#run({ raw, text, lower, chars, location, name, isName, fromBase64: false }, allowed, best);
    // Encoders produce upper-case letters: a value without any is not decoded.
    if (this.#o.base64 && (chars & ~BASE64_CHARS) === 0 && text.length >= 8 && lower !== text) {
      const decoded = decodeBase64Text(text);
      if (decoded !== null) {
        const t = normalize(decoded);
        hits += this.#run({ raw, text: t, lower: t.toLowerCase(), chars: charMask(t), location, name, isName, fromBase64: true }, allowed, best);
      }
    }
    return hits;
  }

  /** Records the hits in `best` (the highest per class and input) and returns how many counted. */
  #run(v: ScanValue, allowed: ReadonlySet<AttackClass> | null, best: Map<string, Match>): number {
    let hits = 0;
    // A raw XML document is markup by definition; its names and values are separate inputs, so only
    // document-level checks (entities) look at it.
    const document = v.location === 'xml' && v.name === XML_DOCUMENT;
    // Locations inspected for some classes only (`header-other`): the other detectors skip them.
    const only = locationClasses(v.location, v.name);
    for (const d of this.#detectors) {
      if (allowed?.has(d.class) || (document && d.class !== 'xxe') || (only !== undefined && !only.has(d.class))) continue;
      if (!d.gate(v)) continue;
      const pl = this.#o.classParanoia.get(d.class)!;
      for (const h of d.scan(v, pl)) {
        if (h.paranoia > pl) continue;
        hits++;
        const key = `${d.class}\0${v.location}\0${v.name}`;
        const prev = best.get(key);
        if (prev && prev.score >= h.score) continue;
        best.set(key, {
          class: d.class,
          rule: h.rule,
          location: v.location,
          name: excerpt(v.name, 0, v.name.length, 64),
          score: h.score,
          evidence: excerpt(h.evidence),
        });
      }
    }
    return hits;
  }
}
