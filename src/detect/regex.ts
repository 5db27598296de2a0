// Every regular expression built at run time goes through `re()`, so the safety test can audit the
// full set (literals are audited from the sources). Rules: no nested quantifiers, no back-references,
// unbounded repetition only where the repeated atom cannot overlap what precedes it.

const registry = new Set<RegExp>();

export function re(source: string, flags = ''): RegExp {
  const r = new RegExp(source, flags);
  registry.add(r);
  return r;
}

/** Joins literal words into one alternation (escaped), optionally wrapped in word boundaries. */
export function wordsRe(words: readonly string[], flags = 'i', bounded = true): RegExp {
  const alt = [...new Set(words)]
    .sort((a, b) => b.length - a.length)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('|');
  return re(bounded ? `\\b(?:${alt})\\b` : `(?:${alt})`, flags);
}

export function registeredRegexes(): RegExp[] {
  return [...registry];
}
