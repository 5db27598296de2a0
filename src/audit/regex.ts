// A small reader of ECMAScript regular expressions (the dialect of JSON Schema `pattern`) for two questions:
// can a backtracking engine take exponential time on it (ReDoS), and how long can a match be.
//
// ReDoS: a pattern is exponential when, from some state of its automaton, two different paths read the same
// word and come back to that state (exponential degree of ambiguity). We build a Glushkov automaton (one
// state per character position) that also counts how many structural routes add each edge, since a
// backtracking engine explores `(a+)+` through both loops, then look for such a pair of paths in the
// product automaton (strongly connected components). That finds nested quantifiers (`(a+)+`, `(\w+\s?)*`)
// and overlapping alternatives under a quantifier (`(a|a)*`, `(\d|\w)+`), and stays quiet on safe look-alikes
// such as `(\w+\.)+` or `(ab|ac)+`. Bounded repetitions up to EXPAND are unrolled, longer ones treated as loops.

type Ranges = readonly (readonly [number, number])[];

type Ast =
  | { readonly t: 'char'; readonly set: Ranges }
  | { readonly t: 'seq'; readonly items: readonly Ast[] }
  | { readonly t: 'alt'; readonly alts: readonly Ast[] }
  | { readonly t: 'quant'; readonly body: Ast; readonly min: number; readonly max: number }
  | { readonly t: 'assert'; readonly kind: '^' | '$' | 'other' }
  | { readonly t: 'backref' };

const MAX_CODE = 0x10ffff;
const ANY: Ranges = [[0, MAX_CODE]];
const DIGIT: Ranges = [[48, 57]];
const WORD: Ranges = [[48, 57], [65, 90], [95, 95], [97, 122]];
const SPACE: Ranges = normalize([[9, 13], [32, 32], [160, 160], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff]]);
const DOT: Ranges = complement(normalize([[10, 10], [13, 13], [0x2028, 0x2029]]));

export class RegexSyntaxError extends Error {}

export function parseRegex(source: string): Ast {
  let i = 0;
  const peek = (): string | undefined => source[i];

  function alternation(): Ast {
    const alts: Ast[] = [sequence()];
    while (peek() === '|') {
      i++;
      alts.push(sequence());
    }
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  }

  function sequence(): Ast {
    const items: Ast[] = [];
    while (i < source.length && peek() !== '|' && peek() !== ')') {
      const atom = parseAtom();
      items.push(quantified(atom));
    }
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  }

  function quantified(atom: Ast): Ast {
    let node = atom;
    for (;;) {
      const c = peek();
      let min: number;
      let max: number;
      if (c === '*') [min, max] = [0, Infinity];
      else if (c === '+') [min, max] = [1, Infinity];
      else if (c === '?') [min, max] = [0, 1];
      else if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
        if (!m) return node; // a literal "{" (annex B)
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        i += m[0].length - 1;
      } else return node;
      i++;
      if (peek() === '?') i++; // lazy: same paths, other order
      if (node.t === 'assert') continue;
      node = { t: 'quant', body: node, min, max };
    }
  }

  function parseAtom(): Ast {
    const c = source[i++]!;
    switch (c) {
      case '^':
        return { t: 'assert', kind: '^' };
      case '$':
        return { t: 'assert', kind: '$' };
      case '.':
        return { t: 'char', set: DOT };
      case '[':
        return { t: 'char', set: charClass() };
      case '\\':
        return escape(false);
      case '(': {
        let lookaround = false;
        if (source.startsWith('?:', i)) i += 2;
        else if (source.startsWith('?=', i) || source.startsWith('?!', i)) [i, lookaround] = [i + 2, true];
        else if (source.startsWith('?<=', i) || source.startsWith('?<!', i)) [i, lookaround] = [i + 3, true];
        else if (source.startsWith('?<', i)) {
          const end = source.indexOf('>', i);
          if (end < 0) throw new RegexSyntaxError('unterminated group name');
          i = end + 1;
        } else if (peek() === '?') throw new RegexSyntaxError('unknown group');
        const body = alternation();
        if (source[i++] !== ')') throw new RegexSyntaxError('missing )');
        return lookaround ? { t: 'assert', kind: 'other' } : body;
      }
      case ')':
        throw new RegexSyntaxError('unmatched )');
      case '*':
      case '+':
      case '?':
        throw new RegexSyntaxError('nothing to repeat');
      default:
        return { t: 'char', set: single(c.codePointAt(0)!) };
    }
  }

  function escape(inClass: boolean): Ast & { t: 'char' | 'assert' | 'backref' } {
    const c = source[i++];
    if (c === undefined) throw new RegexSyntaxError('\\ at end of pattern');
    switch (c) {
      case 'd':
        return { t: 'char', set: DIGIT };
      case 'D':
        return { t: 'char', set: complement(DIGIT) };
      case 'w':
        return { t: 'char', set: WORD };
      case 'W':
        return { t: 'char', set: complement(WORD) };
      case 's':
        return { t: 'char', set: SPACE };
      case 'S':
        return { t: 'char', set: complement(SPACE) };
      case 'b':
        return inClass ? { t: 'char', set: single(8) } : { t: 'assert', kind: 'other' };
      case 'B':
        return { t: 'assert', kind: 'other' };
      case 'n':
        return { t: 'char', set: single(10) };
      case 'r':
        return { t: 'char', set: single(13) };
      case 't':
        return { t: 'char', set: single(9) };
      case 'v':
        return { t: 'char', set: single(11) };
      case 'f':
        return { t: 'char', set: single(12) };
      case '0':
        return { t: 'char', set: single(0) };
      case 'c': {
        const letter = source[i++] ?? '@';
        return { t: 'char', set: single(letter.charCodeAt(0) % 32) };
      }
      case 'x': {
        const m = /^[0-9a-fA-F]{2}/.exec(source.slice(i));
        if (!m) return { t: 'char', set: single(120) };
        i += 2;
        return { t: 'char', set: single(parseInt(m[0], 16)) };
      }
      case 'u': {
        const m = /^(?:\{([0-9a-fA-F]{1,6})\}|([0-9a-fA-F]{4}))/.exec(source.slice(i));
        if (!m) return { t: 'char', set: single(117) };
        i += m[0].length;
        return { t: 'char', set: single(parseInt(m[1] ?? m[2]!, 16)) };
      }
      case 'p':
      case 'P': {
        if (peek() === '{') {
          const end = source.indexOf('}', i);
          if (end < 0) throw new RegexSyntaxError('unterminated \\p{');
          i = end + 1;
        }
        return { t: 'char', set: ANY };
      }
      case 'k':
        if (peek() === '<' && !inClass) {
          const end = source.indexOf('>', i);
          i = end < 0 ? source.length : end + 1;
          return { t: 'backref' };
        }
        return { t: 'char', set: single(107) };
      default:
        if (/[1-9]/.test(c) && !inClass) {
          while (/[0-9]/.test(peek() ?? '')) i++;
          return { t: 'backref' };
        }
        return { t: 'char', set: single(c.codePointAt(0)!) };
    }
  }

  function classAtom(): Ranges {
    const c = source[i++];
    if (c === undefined) throw new RegexSyntaxError('unterminated [');
    if (c === '\\') {
      const e = escape(true);
      return e.t === 'char' ? e.set : [];
    }
    return single(c.codePointAt(0)!);
  }

  function charClass(): Ranges {
    let negate = false;
    if (peek() === '^') [negate, i] = [true, i + 1];
    const parts: (readonly [number, number])[] = [];
    while (peek() !== ']') {
      if (i >= source.length) throw new RegexSyntaxError('unterminated [');
      const from = classAtom();
      if (peek() === '-' && source[i + 1] !== ']' && source[i + 1] !== undefined && from.length === 1 && from[0]![0] === from[0]![1]) {
        i++;
        const to = classAtom();
        if (to.length === 1 && to[0]![0] === to[0]![1]) {
          if (to[0]![0] < from[0]![0]) throw new RegexSyntaxError('range out of order in character class');
          parts.push([from[0]![0], to[0]![0]]);
          continue;
        }
        parts.push(...from, [45, 45], ...to);
        continue;
      }
      parts.push(...from);
    }
    i++;
    const set = normalize(parts);
    return negate ? complement(set) : set;
  }

  const ast = alternation();
  if (i < source.length) throw new RegexSyntaxError('unmatched )');
  return ast;
}

/** The longest string the pattern can match (Infinity when unbounded), assertions taking no room. */
export function maxMatchLength(ast: Ast): number {
  switch (ast.t) {
    case 'char':
      return 1;
    case 'assert':
      return 0;
    case 'backref':
      return Infinity;
    case 'seq':
      return ast.items.reduce((sum, item) => sum + maxMatchLength(item), 0);
    case 'alt':
      return Math.max(...ast.alts.map(maxMatchLength));
    case 'quant':
      return ast.max === 0 ? 0 : maxMatchLength(ast.body) * ast.max;
  }
}

/** Whether every match must span the whole value (`^...$`, alternatives included). */
export function isAnchored(ast: Ast): boolean {
  if (ast.t === 'alt') return ast.alts.every(isAnchored);
  if (ast.t !== 'seq') return false;
  const first = ast.items[0];
  const last = ast.items.at(-1);
  const starts = first?.t === 'assert' && first.kind === '^';
  const ends = last?.t === 'assert' && last.kind === '$';
  if (starts && ends) return true;
  // ^(?:a|b)$ written as ^(a|b)$ parses as a seq whose middle is a group: that is the case above.
  return false;
}

const EXPAND = 4;
const MAX_POSITIONS = 400;
const MAX_PRODUCT_EDGES = 1_500_000;

interface Fragment {
  nullable: boolean;
  first: number[];
  last: number[];
}

/**
 * Whether a backtracking engine can take exponential time on some input.
 * `undefined` when the pattern is too large to analyse or uses back-references.
 */
export function isExponential(ast: Ast): boolean | undefined {
  const sets: Ranges[] = [];
  const follow: Map<number, number>[] = []; // position → (next position → routes)
  let unsupported = false;
  let loops = false;

  const addEdge = (from: number, to: number): void => {
    const edges = follow[from]!;
    edges.set(to, (edges.get(to) ?? 0) + 1);
  };
  const connect = (lasts: number[], firsts: number[]): void => {
    for (const a of lasts) for (const b of firsts) addEdge(a, b);
  };

  function build(node: Ast): Fragment {
    if (sets.length > MAX_POSITIONS) throw new RangeError('too large');
    switch (node.t) {
      case 'char': {
        const p = sets.length;
        sets.push(node.set);
        follow.push(new Map());
        return { nullable: false, first: [p], last: [p] };
      }
      case 'assert':
        return { nullable: true, first: [], last: [] };
      case 'backref':
        unsupported = true;
        return { nullable: true, first: [], last: [] };
      case 'seq': {
        let acc: Fragment = { nullable: true, first: [], last: [] };
        for (const item of node.items) acc = concat(acc, build(item));
        return acc;
      }
      case 'alt': {
        const parts = node.alts.map(build);
        return { nullable: parts.some((p) => p.nullable), first: parts.flatMap((p) => p.first), last: parts.flatMap((p) => p.last) };
      }
      case 'quant': {
        if (node.max === 0) return { nullable: true, first: [], last: [] };
        if (node.max <= EXPAND) {
          let acc: Fragment = { nullable: true, first: [], last: [] };
          for (let k = 0; k < node.min; k++) acc = concat(acc, build(node.body));
          // (x(x(x)?)?)? : optional copies nested so that they add no ambiguity of their own
          const optional = node.max - node.min;
          if (optional > 0) acc = concat(acc, nestedOptional(node.body, optional));
          return acc;
        }
        loops = true;
        const body = build(node.body);
        connect(body.last, body.first);
        return { nullable: body.nullable || node.min === 0, first: body.first, last: body.last };
      }
    }
  }

  function nestedOptional(body: Ast, count: number): Fragment {
    const head = build(body);
    const rest = count > 1 ? concat(head, nestedOptional(body, count - 1)) : head;
    return { nullable: true, first: rest.first, last: rest.last };
  }

  function concat(a: Fragment, b: Fragment): Fragment {
    connect(a.last, b.first);
    return {
      nullable: a.nullable && b.nullable,
      first: a.nullable ? [...a.first, ...b.first] : a.first,
      last: b.nullable ? [...b.last, ...a.last] : b.last,
    };
  }

  try {
    build(ast);
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
  if (unsupported) return undefined;
  if (!loops) return false;
  return hasExponentialAmbiguity(sets, follow);
}

function hasExponentialAmbiguity(sets: Ranges[], follow: Map<number, number>[]): boolean | undefined {
  const n = sets.length;
  // Only positions on a cycle can be the state two paths leave and come back to.
  const overlap = new Map<number, boolean>();
  const meets = (a: number, b: number): boolean => {
    if (a === b) return true;
    const key = a < b ? a * n + b : b * n + a;
    let v = overlap.get(key);
    if (v === undefined) overlap.set(key, (v = intersects(sets[a]!, sets[b]!)));
    return v;
  };
  // Product graph on pairs (p, q), built lazily from the diagonal; Tarjan's SCC, iterative.
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  let counter = 0;
  let edges = 0;
  const successors = (state: number): [number, boolean][] => {
    const p = Math.floor(state / n);
    const q = state % n;
    const out: [number, boolean][] = [];
    for (const [p2, routesP] of follow[p]!) {
      for (const [q2, routesQ] of follow[q]!) {
        if (++edges > MAX_PRODUCT_EDGES) throw new RangeError('too large');
        if (!meets(p2, q2)) continue;
        // Diverging step: to different states, or the same edge taken by two different routes.
        const diverging = p2 !== q2 || (p === q && routesP > 1 && routesQ > 1);
        out.push([p2 * n + q2, diverging]);
      }
    }
    return out;
  };

  const componentOf = new Map<number, number>();
  const divergingEdges: [number, number][] = [];

  function strongConnect(start: number): void {
    const work: { state: number; next: [number, boolean][]; i: number }[] = [];
    const enter = (state: number): void => {
      index.set(state, counter);
      low.set(state, counter++);
      stack.push(state);
      onStack.add(state);
      const next = successors(state);
      for (const [to, diverging] of next) if (diverging) divergingEdges.push([state, to]);
      work.push({ state, next, i: 0 });
    };
    enter(start);
    while (work.length > 0) {
      const frame = work.at(-1)!;
      if (frame.i < frame.next.length) {
        const [to] = frame.next[frame.i++]!;
        if (!index.has(to)) enter(to);
        else if (onStack.has(to)) low.set(frame.state, Math.min(low.get(frame.state)!, index.get(to)!));
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent) low.set(parent.state, Math.min(low.get(parent.state)!, low.get(frame.state)!));
      if (low.get(frame.state) === index.get(frame.state)) {
        let member: number;
        const id = frame.state;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          componentOf.set(member, id);
        } while (member !== frame.state);
      }
    }
  }

  try {
    for (let p = 0; p < n; p++) {
      const diagonal = p * n + p;
      if (!index.has(diagonal)) strongConnect(diagonal);
    }
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
  // A diverging edge inside a component that holds a diagonal state: two paths on one word leave that
  // state and come back to it.
  const hasDiagonal = new Set<number>();
  for (const [state, id] of componentOf) if (Math.floor(state / n) === state % n) hasDiagonal.add(id);
  return divergingEdges.some(([from, to]) => {
    const id = componentOf.get(from);
    return id !== undefined && id === componentOf.get(to) && hasDiagonal.has(id);
  });
}

function single(code: number): Ranges {
  return [[code, code]];
}

function normalize(ranges: readonly (readonly [number, number])[]): Ranges {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out.at(-1);
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function complement(set: Ranges): Ranges {
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of set) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE) out.push([next, MAX_CODE]);
  return out;
}

function intersects(a: Ranges, b: Ranges): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [alo, ahi] = a[i]!;
    const [blo, bhi] = b[j]!;
    if (alo <= bhi && blo <= ahi) return true;
    if (ahi < bhi) i++;
    else j++;
  }
  return false;
}
