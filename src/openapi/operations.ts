// The operations of a loaded document, with path-level parameters merged in and the base path taken
// from `servers` (3.x) or `basePath` (2.0).
import type { LoadedSpec } from './load.ts';
import { own } from '../core/own.ts';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface SpecOperation {
  readonly method: string;
  /** Path template as written in the document, without the base path. */
  readonly path: string;
  readonly operationId: string;
  readonly operation: Record<string, any>;
  readonly parameters: readonly Record<string, any>[];
  readonly deprecated: boolean;
  /** JSON path of the operation in the root document, for messages. */
  readonly at: readonly (string | number)[];
}

export function listOperations(spec: LoadedSpec): SpecOperation[] {
  const out: SpecOperation[] = [];
  const paths = (spec.doc.paths ?? {}) as Record<string, Record<string, any>>;
  for (const [path, item] of Object.entries(paths)) {
    if (item === null || typeof item !== 'object') continue;
    const shared: Record<string, any>[] = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (operation === null || typeof operation !== 'object') continue;
      const own: Record<string, any>[] = Array.isArray(operation.parameters) ? operation.parameters : [];
      const byKey = new Map<string, Record<string, any>>();
      for (const p of [...shared, ...own]) byKey.set(`${p?.in}:${p?.name}`, p);
      out.push({
        method: method.toUpperCase(),
        path,
        operationId: typeof operation.operationId === 'string' ? operation.operationId : `${method.toUpperCase()} ${path}`,
        operation,
        parameters: [...byKey.values()],
        deprecated: operation.deprecated === true,
        at: ['paths', path, method],
      });
    }
  }
  return out;
}

/** The path part of the first server URL ("/api/v2"), "" when it is the root. */
export function specBasePath(spec: LoadedSpec): string {
  let path = '';
  if (spec.version === '2.0') {
    path = typeof spec.doc.basePath === 'string' ? spec.doc.basePath : '';
  } else {
    const server = Array.isArray(spec.doc.servers) ? spec.doc.servers[0] : undefined;
    const url = typeof server?.url === 'string' ? substituteVariables(server.url, server.variables) : '';
    path = url.startsWith('/') ? url : url.includes('://') ? pathOf(url) : '';
  }
  return path.replace(/\/+$/, '');
}

function substituteVariables(url: string, variables: Record<string, any> | undefined): string {
  return url.replace(/\{([^}]+)\}/g, (_m, name: string) => String(own(variables, name)?.default ?? ''));
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}
