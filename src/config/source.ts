// Parses a YAML or JSON text while keeping where each value came from, so that every error can name
// the file, line and JSON path of the value at fault.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

export type JsonPath = ReadonlyArray<string | number>;

export interface Position {
  readonly line: number;
  readonly column: number;
}

export interface ParsedSource {
  readonly file: string;
  readonly value: unknown;
  /** Position of the value at `path`, or of its nearest existing ancestor. */
  locate(path: JsonPath): Position | undefined;
}

export class SourceError extends Error {
  readonly file: string;
  readonly position: Position | undefined;
  constructor(file: string, position: Position | undefined, message: string) {
    super(`${file}${position ? `:${position.line}:${position.column}` : ''}: ${message}`);
    this.name = 'SourceError';
    this.file = file;
    this.position = position;
  }
}

export function parseSource(text: string, file: string): ParsedSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const first = doc.errors[0];
  if (first) {
    const offset = first.pos[0];
    const { line, col } = lineCounter.linePos(offset);
    throw new SourceError(file, { line, column: col }, `not valid YAML or JSON: ${firstLine(first.message)}`);
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  return {
    file,
    value,
    locate(path) {
      // Points at the key of the last map entry reached ("upstrem: x" → the "u"), else at the value.
      let node: unknown = doc.contents;
      let found: Node | undefined = isNode(node) ? node : undefined;
      for (const key of path) {
        const next = child(node, key);
        if (next === undefined) break;
        node = next.value;
        const at = next.key ?? next.value;
        if (isNode(at)) found = at;
      }
      const offset = found?.range?.[0];
      if (offset === undefined) return undefined;
      const { line, col } = lineCounter.linePos(offset);
      return { line, column: col };
    },
  };
}

function child(node: unknown, key: string | number): { key?: unknown; value: unknown } | undefined {
  if (isMap(node)) {
    for (const item of node.items) {
      if (isPair(item) && isScalar(item.key) && String(item.key.value) === String(key)) return { key: item.key, value: item.value };
    }
    return undefined;
  }
  if (isSeq(node) && typeof key === 'number' && key < node.items.length) return { value: node.items[key] };
  return undefined;
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
