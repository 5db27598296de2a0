// A tiny router on path templates ("/api/v2/orders/{orderId}"): literal segments win over parameters,
// a path known under another method gives the allowed methods (405).
import type { Route } from './types.ts';

interface Compiled {
  readonly route: Route;
  /** A literal segment, or null for a {param}. */
  readonly segments: readonly (string | null)[];
  readonly names: readonly string[];
}

export type Match =
  | { readonly kind: 'found'; readonly route: Route; readonly params: Record<string, string> }
  | { readonly kind: 'method'; readonly allow: readonly string[] }
  | { readonly kind: 'none' };

export class Router {
  readonly #routes: Compiled[] = [];

  constructor(routes: Iterable<Route>) {
    for (const route of routes) this.add(route);
  }

  add(route: Route): void {
    const parts = route.path.split('/').slice(1);
    const segments = parts.map((p) => (/^\{[^}]+\}$/.test(p) ? null : p));
    const names = parts.filter((p) => /^\{[^}]+\}$/.test(p)).map((p) => p.slice(1, -1));
    this.#routes.push({ route, segments, names });
  }

  get routes(): readonly Route[] {
    return this.#routes.map((c) => c.route);
  }

  /** `pathname` is the raw (still percent-encoded) path; parameters are decoded (URIError when malformed). */
  match(method: string, pathname: string): Match {
    const parts = pathname.split('/').slice(1);
    let best: { compiled: Compiled; score: string } | undefined;
    const allow = new Set<string>();
    for (const compiled of this.#routes) {
      const score = scoreOf(compiled.segments, parts);
      if (score === undefined) continue;
      const lookup = method === 'HEAD' ? 'GET' : method;
      if (compiled.route.method !== lookup) {
        allow.add(compiled.route.method);
        continue;
      }
      if (!best || score > best.score) best = { compiled, score };
    }
    if (best) {
      const params: Record<string, string> = {};
      let i = 0;
      best.compiled.segments.forEach((segment, index) => {
        if (segment === null) params[best.compiled.names[i++]!] = decodeURIComponent(parts[index]!);
      });
      return { kind: 'found', route: best.compiled.route, params };
    }
    if (allow.size > 0) return { kind: 'method', allow: [...allow, ...(allow.has('GET') ? ['HEAD'] : []), 'OPTIONS'] };
    return { kind: 'none' };
  }
}

/** "1" per literal segment and "0" per parameter: compares as a string, literals first from the left. */
function scoreOf(segments: readonly (string | null)[], parts: readonly string[]): string | undefined {
  if (segments.length !== parts.length) return undefined;
  let score = '';
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment === null) {
      if (parts[i] === '') return undefined;
      score += '0';
    } else if (segment === parts[i]) score += '1';
    else return undefined;
  }
  return score;
}
