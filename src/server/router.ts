// A segment trie compiled once per config. Static segments win over templated ones, which win over
// a trailing "*" catch-all; the lookup backtracks so "/users/me" and "/users/{id}" can coexist.
// Parameter names live at the leaves, so two templates may name the same position differently.
// Unless told the upstream routes strictly, variants of a documented path are ambiguous: a segment
// that misses a static one (or the literal text of a template segment) only by letter case
// ("/users/ME" beside "/users/me"), or a trailing slash ("/users/me/"), would be routed to "{id}" or
// a catch-all here while a lenient upstream (Express, ASP.NET, Spring) serves the documented operation.
// So would segments with trailing dots or spaces ("/login.", "/login%20": Windows and IIS trim them),
// and, where only a catch-all takes it, a last segment with a suffix ("/login.json": Spring's suffix
// pattern matching); a documented segment with a dot of its own ("/openapi.json") gets no suffix there.

/**
 * Route parameters: objects with no inherited member, made by a constructor (V8 gives them fast
 * properties, unlike Object.create(null), which makes a dictionary; measured 15 against 40 ns).
 */
class Params {}
Object.setPrototypeOf(Params.prototype, null);
delete (Params.prototype as { constructor?: unknown }).constructor;
/** Shared by every match without parameters: read only. */
const NO_PARAMS: Record<string, string> = Object.freeze(new Params()) as Record<string, string>;

export interface RouteMatch<T> {
  readonly value: T;
  readonly params: Record<string, string>;
}

export type LookupResult<T> =
  | { readonly kind: 'match'; readonly match: RouteMatch<T> }
  | { readonly kind: 'method-not-allowed'; readonly allow: string }
  | { readonly kind: 'not-found' }
  /** A variant of a documented path: letter case, a trailing slash, dots, spaces or a suffix (see above). */
  | { readonly kind: 'variant'; readonly segment: string };

interface Leaf<T> {
  readonly value: T;
  readonly names: readonly string[];
}

interface SegmentPattern<T> {
  readonly source: string;
  readonly regex: RegExp;
  /** The same, ignoring letter case: tells a case variant of its literal text. */
  readonly folded: RegExp;
  readonly node: TrieNode<T>;
}

class TrieNode<T> {
  statics: Map<string, TrieNode<T>> | undefined = undefined;
  /** The static children by their segment lowercased, to tell a case variant of one. */
  staticsLower: Map<string, TrieNode<T>> | undefined = undefined;
  patterns: SegmentPattern<T>[] | undefined = undefined;
  param: TrieNode<T> | undefined = undefined;
  /** Leaves of a trailing "*": they match the rest of the path, zero or more segments. */
  rest: Map<string, Leaf<T>> | undefined = undefined;
  methods: Map<string, Leaf<T>> | undefined = undefined;
  allow = '';
  restAllow = '';
}

const ANY = '*';
const NOT_FOUND = { kind: 'not-found' } as const;

export class RouteConflictError extends Error {}

export class Router<T> {
  readonly #root = new TrieNode<T>();
  readonly #pathVariants: boolean;
  #variant: string | undefined = undefined;
  /** The last #lookup matched a catch-all. */
  #rest = false;
  /** The path templates added: with one, no variant of a path can reach another route. */
  readonly #templates = new Set<string>();

  /** `pathVariants`: route variants of a documented path like any other path (an upstream that routes strictly). */
  constructor(options: { pathVariants?: boolean } = {}) {
    this.#pathVariants = options.pathVariants ?? false;
  }

  /** `template` is an OpenAPI-style path ("/users/{id}", "/files/{name}.{ext}", "/proxy/*"). */
  add(method: string, template: string, value: T): void {
    this.#templates.add(template);
    const segments = template.split('/').slice(1);
    const names: string[] = [];
    let node = this.#root;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      if (seg === '*' && i === segments.length - 1) {
        node.rest ??= new Map();
        this.#put(node.rest, method, { value, names: [...names, '*'] }, template);
        node.restAllow = allowOf(node.rest);
        return;
      }
      node = this.#child(node, seg, names);
    }
    node.methods ??= new Map();
    this.#put(node.methods, method, { value, names }, template);
    node.allow = allowOf(node.methods);
  }

  lookup(method: string, path: string): LookupResult<T> {
    const found = this.#lookup(method, path);
    if (this.#pathVariants || found.kind === 'variant' || this.#templates.size < 2) return found;
    if (path.length >= 2 && path.charCodeAt(path.length - 1) === 0x2f) {
      // A trailing slash: a lenient upstream serves the path without it. Ambiguous when that reaches another route.
      const trimmed = this.lookup(method, path.slice(0, -1));
      if (trimmed.kind === 'variant') return trimmed;
      if (trimmed.kind === 'match' && (found.kind !== 'match' || found.match.value !== trimmed.match.value)) return { kind: 'variant', segment: '' };
      return found;
    }
    // Trailing dots, spaces, a suffix: only a match can be a way around another route (most paths have neither "." nor "%").
    if (found.kind !== 'match' || (path.indexOf('.') === -1 && path.indexOf('%') === -1)) return found;
    const lenient = lenientPath(path, this.#rest);
    if (lenient === path) return found;
    const other = this.lookup(method, lenient);
    if (other.kind === 'variant') return other;
    if (other.kind === 'match' && other.match.value !== found.match.value) return { kind: 'variant', segment: firstChange(path, lenient) };
    return found;
  }

  #lookup(method: string, path: string): LookupResult<T> {
    const captured: string[] = [];
    this.#variant = undefined;
    const node = this.#find(this.#root, path, 1, captured);
    this.#rest = node?.kind === 'rest';
    if (this.#variant !== undefined) return { kind: 'variant', segment: this.#variant };
    if (node === undefined) return NOT_FOUND;
    const leaves = node.kind === 'rest' ? node.node.rest! : node.node.methods!;
    const leaf = leaves.get(method) ?? (method === 'HEAD' ? leaves.get('GET') : undefined) ?? leaves.get(ANY);
    if (leaf === undefined) {
      return { kind: 'method-not-allowed', allow: node.kind === 'rest' ? node.node.restAllow : node.node.allow };
    }
    if (node.kind === 'rest') captured.push(node.at > path.length ? '' : path.slice(node.at));
    // No inherited members: a parameter named __proto__ is a parameter, and a missing "constructor" is missing.
    const params = leaf.names.length === 0 ? NO_PARAMS : (new Params() as Record<string, string>);
    for (let i = 0; i < leaf.names.length; i++) params[leaf.names[i]!] = captured[i]!;
    return { kind: 'match', match: { value: leaf.value, params } };
  }

  /**
   * The segment that starts at `at` (just after a "/") and the ones after it; past the end of the
   * path, none is left. Segments are sliced as they are walked: no array of them per lookup.
   */
  #find(node: TrieNode<T>, path: string, at: number, captured: string[]): { kind: 'exact' | 'rest'; node: TrieNode<T>; at: number } | undefined {
    if (at > path.length) {
      if (node.methods) return { kind: 'exact', node, at };
      return node.rest ? { kind: 'rest', node, at } : undefined;
    }
    let end = path.indexOf('/', at);
    if (end === -1) end = path.length;
    const seg = path.slice(at, end);
    const next = node.statics?.get(seg);
    if (next) {
      const found = this.#find(next, path, end + 1, captured);
      if (found) return found;
    } else if (!this.#pathVariants && node.staticsLower !== undefined) {
      // Ambiguous only when the case-folded segment leads to a route of its own.
      const sibling = node.staticsLower.get(seg.toLowerCase());
      if (sibling !== undefined && (this.#find(sibling, path, end + 1, []) !== undefined || this.#variant !== undefined)) {
        this.#variant ??= seg;
        return undefined;
      }
    }
    if (node.patterns && seg !== '') {
      for (const pattern of node.patterns) {
        const m = pattern.regex.exec(seg);
        if (!m) {
          // Its literal text in another letter case ("REPORT-5" for "report-{id}"), leading to a route.
          if (!this.#pathVariants && pattern.folded.test(seg) && (this.#find(pattern.node, path, end + 1, []) !== undefined || this.#variant !== undefined)) {
            this.#variant ??= seg;
            return undefined;
          }
          continue;
        }
        const before = captured.length;
        for (let g = 1; g < m.length; g++) captured.push(m[g]!);
        const found = this.#find(pattern.node, path, end + 1, captured);
        if (found) return found;
        captured.length = before;
      }
    }
    if (node.param && seg !== '') {
      captured.push(seg);
      const found = this.#find(node.param, path, end + 1, captured);
      if (found) return found;
      captured.pop();
    }
    return node.rest ? { kind: 'rest', node, at } : undefined;
  }

  #child(node: TrieNode<T>, seg: string, names: string[]): TrieNode<T> {
    const whole = /^\{([^{}]+)\}$/.exec(seg);
    if (whole) {
      names.push(whole[1]!);
      return (node.param ??= new TrieNode());
    }
    if (seg.includes('{')) {
      const { regex, params } = compileSegment(seg);
      names.push(...params);
      node.patterns ??= [];
      let pattern = node.patterns.find((p) => p.source === regex.source);
      if (!pattern) node.patterns.push((pattern = { source: regex.source, regex, folded: new RegExp(regex.source, 'i'), node: new TrieNode() }));
      return pattern.node;
    }
    node.statics ??= new Map();
    let next = node.statics.get(seg);
    if (!next) node.statics.set(seg, (next = new TrieNode()));
    (node.staticsLower ??= new Map()).set(seg.toLowerCase(), next);
    return next;
  }

  #put(map: Map<string, Leaf<T>>, method: string, leaf: Leaf<T>, template: string): void {
    if (map.has(method)) throw new RouteConflictError(`${method === ANY ? 'a catch-all method' : method} ${template} is defined twice`);
    map.set(method, leaf);
  }
}

/**
 * Unicode spaces, percent-encoded as normalize-path.ts leaves them, that servers trim from the end of a
 * name (Windows trims U+0020; .NET Trim and Python strip every White_Space). Controls never get here.
 */
const SPACES = ['%20', '%C2%A0', '%C2%85', '%E1%9A%80', '%E2%80%A8', '%E2%80%A9', '%E2%80%AF', '%E2%81%9F', '%E3%80%80'];
for (let c = 0x80; c <= 0x8a; c++) SPACES.push(`%E2%80%${c.toString(16).toUpperCase()}`);

/** A segment without its trailing dots and spaces; one made of nothing else is left as it is ("..."). */
function trimEnd(seg: string): string {
  let end = seg.length;
  for (;;) {
    if (end > 0 && seg.charCodeAt(end - 1) === 0x2e) {
      end--;
      continue;
    }
    const space = end >= 3 && seg.charCodeAt(end - 3) === 0x25 ? SPACES.findIndex((x) => end >= x.length && seg.startsWith(x, end - x.length)) : -1;
    if (space === -1) break;
    end -= SPACES[space]!.length;
  }
  return end === 0 || end === seg.length ? seg : seg.slice(0, end);
}

/**
 * The path as a lenient upstream may read it: each segment without trailing dots and spaces and, when
 * `suffix` (a catch-all took the path), the last one without what follows its first dot.
 */
function lenientPath(path: string, suffix: boolean): string {
  if (!(suffix && path.indexOf('.', path.lastIndexOf('/')) !== -1) && !mayEndInTrailers(path)) return path;
  const segments = path.split('/');
  const last = segments.length - 1;
  for (let i = 1; i <= last; i++) {
    let seg = trimEnd(segments[i]!);
    const dot = i === last && suffix ? seg.indexOf('.') : -1;
    if (dot > 0) seg = trimEnd(seg.slice(0, dot));
    segments[i] = seg;
  }
  return segments.join('/');
}

/** Some segment ends in "." or a percent-escape: the cheap test before any slicing. */
function mayEndInTrailers(path: string): boolean {
  for (let i = path.indexOf('/', 1); ; i = path.indexOf('/', i + 1)) {
    const end = i === -1 ? path.length : i;
    if (path.charCodeAt(end - 1) === 0x2e || (end >= 3 && path.charCodeAt(end - 3) === 0x25)) return true;
    if (i === -1) return false;
  }
}

function firstChange(path: string, lenient: string): string {
  const a = path.split('/');
  const b = lenient.split('/');
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]!;
  return '';
}

function allowOf(methods: Map<string, unknown>): string {
  const list = [...methods.keys()].filter((m) => m !== ANY);
  if (list.includes('GET') && !list.includes('HEAD')) list.push('HEAD');
  return list.sort().join(', ');
}

/** "{name}.{ext}" → /^([^/]+?)\.([^/]+?)$/ with the names in order. Literal parts are escaped. */
function compileSegment(seg: string): { regex: RegExp; params: string[] } {
  const params: string[] = [];
  let source = '';
  for (const part of seg.split(/(\{[^{}]+\})/)) {
    if (part === '') continue;
    const m = /^\{([^{}]+)\}$/.exec(part);
    if (m) {
      params.push(m[1]!);
      source += '(.+?)';
    } else {
      source += part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return { regex: new RegExp(`^${source}$`), params };
}
