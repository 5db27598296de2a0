// Runs the detectors over inputs and turns hits into a verdict.

import type { Detector, ScanValue } from './detector.ts';
import { charMask } from './detector.ts';
import { excerpt } from './evidence.ts';
import { XML_DOCUMENT } from './extract/xml.ts';
import { decodeBase64Text, normalize } from './normalize/index.ts';
import type { ResolvedOptions } from './options.ts';
import type { AttackClass, Input, InputLocation, Match, Verdict } from './types.ts';

// Locations whose names are attacker-chosen and inspected like values.
const NAMED_LOCATIONS = new Set<InputLocation>(['query', 'form', 'cookie', 'multipart']);

export interface EngineVerdict extends Verdict {
  /** Some value was longer than `maxValueLength` and only its beginning was inspected. */
  truncated: boolean;
  /** An internal error happened; `blocked` then follows `onError`. */
  error: boolean;
}

export class Engine {
  readonly #detectors: readonly Detector[];
  readonly #o: ResolvedOptions;

  constructor(detectors: readonly Detector[], options: ResolvedOptions) {
    this.#detectors = detectors.filter((d) => options.classParanoia.has(d.class));
    this.#o = options;
  }

  inspect(inputs: readonly Input[]): EngineVerdict {
    const best = new Map<string, Match>();
    let truncated = false;
    let error = false;
    const seenNames = new Set<string>();
    for (const input of inputs) {
      try {
        let value = typeof input.value === 'string' ? input.value : String(input.value);
        if (value.length > this.#o.maxValueLength) {
          value = value.slice(0, this.#o.maxValueLength);
          truncated = true;
        }
        const name = typeof input.name === 'string' ? input.name : String(input.name);
        const allowed = this.#allowed(input.location, name);
        if (allowed === 'all') continue;
        this.#scan(value, input.location, name, input.location === 'json-key', allowed, best);
        if (NAMED_LOCATIONS.has(input.location) && name !== '' && !seenNames.has(`${input.location}\0${name}`)) {
          seenNames.add(`${input.location}\0${name}`);
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
    const blocked = score >= this.#o.threshold || (error && this.#o.onError === 'block');
    return { blocked, score, matches, truncated, error };
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
  ): void {
    if (raw === '') return;
    const text = normalize(raw);
    this.#run({ raw, text, lower: text.toLowerCase(), chars: charMask(text), location, name, isName, fromBase64: false }, allowed, best);
    if (this.#o.base64) {
      const decoded = decodeBase64Text(text);
      if (decoded !== null) {
        const t = normalize(decoded);
        this.#run({ raw, text: t, lower: t.toLowerCase(), chars: charMask(t), location, name, isName, fromBase64: true }, allowed, best);
      }
    }
  }

  #run(v: ScanValue, allowed: ReadonlySet<AttackClass> | null, best: Map<string, Match>): void {
    // A raw XML document is markup by definition; its names and values are separate inputs, so only
    // document-level checks (entities) look at it.
    const document = v.location === 'xml' && v.name === XML_DOCUMENT;
    for (const d of this.#detectors) {
      if (allowed?.has(d.class) || (document && d.class !== 'xxe')) continue;
      if (!d.gate(v)) continue;
      const pl = this.#o.classParanoia.get(d.class)!;
      for (const h of d.scan(v, pl)) {
        if (h.paranoia > pl) continue;
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
  }
}
