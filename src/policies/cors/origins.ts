// Origin matching compiled at load. Wildcards cover exactly one DNS label, so "https://*.example.com"
// allows "https://app.example.com" but neither "https://example.com" nor "https://a.b.example.com"
// nor "https://evil-example.com".

export type OriginMatcher = (origin: string) => boolean;

export function compileOrigins(patterns: readonly string[]): { any: boolean; matches: OriginMatcher } {
  const exact = new Set<string>();
  const wildcards: { scheme: string; suffix: string; port: string }[] = [];
  let any = false;
  for (const pattern of patterns) {
    if (pattern === '*') {
      any = true;
      continue;
    }
    const m = /^(https?):\/\/(\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*)(:\d{1,5})?$/.exec(pattern.toLowerCase());
    if (!m) throw new Error(`"${pattern}" is not an origin (scheme://host[:port], or "*")`);
    if (m[2]) wildcards.push({ scheme: m[1]!, suffix: `.${m[3]}`, port: m[4] ?? '' });
    else exact.add(pattern.toLowerCase());
  }
  return {
    any,
    matches(origin) {
      const o = origin.toLowerCase();
      if (any || exact.has(o)) return true;
      for (const w of wildcards) {
        const m = /^(https?):\/\/([a-z0-9-]+)(\.[a-z0-9.-]+?)(:\d{1,5})?$/.exec(o);
        if (m && m[1] === w.scheme && m[3] === w.suffix && (m[4] ?? '') === w.port) return true;
      }
      return false;
    },
  };
}
