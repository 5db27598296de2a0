// Options of `compileDetector`, validated once. Invalid options throw `DetectOptionsError` at compile
// time, never at inspection time.

import { DEFAULT_EXTRACT, type ExtractOptions } from './extract/index.ts';
import { ATTACK_CLASSES, type AttackClass, type InputLocation, type Paranoia } from './types.ts';

export interface ClassOptions {
  enabled?: boolean;
  /** Paranoia level for this class only. */
  paranoia?: Paranoia;
}

export interface Exclusion {
  /** Input name: exact string, or a RegExp tested against the name. */
  name: string | RegExp;
  /** Restrict to these locations (default: any). */
  location?: InputLocation | readonly InputLocation[];
  /** Attack classes not reported for this input, or 'all'. */
  allow: readonly AttackClass[] | 'all';
}

export interface DetectorOptions {
  /** 1 (fewest false positives) to 4 (most detections). Default 2. */
  paranoia?: Paranoia;
  /** Anomaly score at which a request is blocked. Default 5 (one critical match). */
  threshold?: number;
  classes?: Partial<Record<AttackClass, boolean | ClassOptions>>;
  exclusions?: readonly Exclusion[];
  /** Decode base64-looking values and inspect the result too. Default true. */
  base64?: boolean;
  /** Longer values are inspected up to this many characters (the verdict says so). Default 128 KiB. */
  maxValueLength?: number;
  /** What an internal error means for the verdict. Default 'block' (fail closed). */
  onError?: 'block' | 'pass';
  /** What a `truncated` verdict means (a value longer than `maxValueLength`, or an extractor limit
   *  reached: part of the request was not inspected). Default 'block' (fail closed). */
  onTruncated?: 'block' | 'allow';
  extract?: Partial<ExtractOptions>;
}

export interface ResolvedOptions {
  paranoia: Paranoia;
  threshold: number;
  classParanoia: Map<AttackClass, Paranoia>;
  exclusions: readonly Exclusion[];
  base64: boolean;
  maxValueLength: number;
  onError: 'block' | 'pass';
  onTruncated: 'block' | 'allow';
  extract: ExtractOptions;
}

export class DetectOptionsError extends TypeError {
  readonly code = 'PCL_ERR_DETECT_OPTIONS';
  constructor(message: string) {
    super(message);
    this.name = 'DetectOptionsError';
  }
}

const LOCATIONS = new Set(['path', 'query', 'header', 'header-other', 'cookie', 'body', 'json-key', 'form', 'multipart', 'xml']);
const isParanoia = (p: unknown): p is Paranoia => p === 1 || p === 2 || p === 3 || p === 4;
const isClass = (c: unknown): c is AttackClass => (ATTACK_CLASSES as readonly unknown[]).includes(c);

export function resolveOptions(o: DetectorOptions = {}): ResolvedOptions {
  const paranoia = o.paranoia ?? 2;
  if (!isParanoia(paranoia)) throw new DetectOptionsError('paranoia must be 1, 2, 3 or 4');
  const threshold = o.threshold ?? 5;
  if (!(typeof threshold === 'number' && threshold > 0 && Number.isFinite(threshold))) {
    throw new DetectOptionsError('threshold must be a positive number');
  }
  const classParanoia = new Map<AttackClass, Paranoia>();
  for (const c of ATTACK_CLASSES) classParanoia.set(c, paranoia);
  for (const [name, v] of Object.entries(o.classes ?? {})) {
    if (!isClass(name)) throw new DetectOptionsError(`classes: unknown attack class "${name}"`);
    if (v === false || (typeof v === 'object' && v.enabled === false)) classParanoia.delete(name);
    else if (typeof v === 'object' && v.paranoia !== undefined) {
      if (!isParanoia(v.paranoia)) throw new DetectOptionsError(`classes.${name}.paranoia must be 1-4`);
      classParanoia.set(name, v.paranoia);
    } else if (v !== true && typeof v !== 'object') throw new DetectOptionsError(`classes.${name} must be a boolean or an object`);
  }
  (o.exclusions ?? []).forEach((e, i) => {
    if (!(typeof e.name === 'string' || e.name instanceof RegExp)) throw new DetectOptionsError(`exclusions[${i}].name must be a string or RegExp`);
    const locs = e.location === undefined ? [] : typeof e.location === 'string' ? [e.location] : e.location;
    for (const l of locs) if (!LOCATIONS.has(l)) throw new DetectOptionsError(`exclusions[${i}].location: unknown location "${l}"`);
    if (e.allow !== 'all' && !(Array.isArray(e.allow) && e.allow.every(isClass))) {
      throw new DetectOptionsError(`exclusions[${i}].allow must be 'all' or a list of attack classes`);
    }
  });
  const maxValueLength = o.maxValueLength ?? 128 * 1024;
  if (!(Number.isInteger(maxValueLength) && maxValueLength > 0)) throw new DetectOptionsError('maxValueLength must be a positive integer');
  const onError = o.onError ?? 'block';
  if (onError !== 'block' && onError !== 'pass') throw new DetectOptionsError("onError must be 'block' or 'pass'");
  const onTruncated = o.onTruncated ?? 'block';
  if (onTruncated !== 'block' && onTruncated !== 'allow') throw new DetectOptionsError("onTruncated must be 'block' or 'allow'");
  const extract = { ...DEFAULT_EXTRACT, ...o.extract };
  if (extract.headers !== 'all' && !Array.isArray(extract.headers)) throw new DetectOptionsError("extract.headers must be 'all' or a list of names");
  return {
    paranoia,
    threshold,
    classParanoia,
    exclusions: Object.freeze([...(o.exclusions ?? [])]),
    base64: o.base64 ?? true,
    maxValueLength,
    onError,
    onTruncated,
    extract: {
      ...extract,
      headers: extract.headers === 'all' ? 'all' : extract.headers.map((h) => h.toLowerCase()),
      ignoreHeaders: extract.ignoreHeaders.map((h) => h.toLowerCase()),
    },
  };
}
