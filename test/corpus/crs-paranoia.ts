// The paranoia level of the CRS rules that only run at levels 3 and 4, read from the `paranoia-level/N`
// tags of CRS's rule files (REQUEST-932 of CRS 4.23.0-dev, 941 of 4.31.0-dev, 942 of 4.21.0-dev) and,
// for 932350, from its tests ("we only block at PL-3"). 933's are from an older rule file (4.0.0-rc1).
// Every other rule of these families runs at level 1 or 2. 941 has no rule above level 2.

export const CRS_HIGH_PARANOIA: Readonly<Record<string, 3 | 4>> = {
  // Command injection: commands prone to false positives, headers, wildcards, bare commands, mail
  // protocols, shell history, `id`.
  '932190': 3, '932232': 3, '932237': 3, '932238': 3, '932262': 3, '932301': 3, '932311': 3, '932321': 3, '932331': 3, '932350': 3,
  // PHP: variable indexes, low-value functions, superfluous upload extensions, closing tags, variable functions.
  '933111': 3, '933131': 3, '933161': 3, '933190': 3, '933211': 3,
  // SQL injection: HAVING, probings, character counts (cookies 8, args 6), repeated non-word
  // characters, single-quoted words, `';`; character counts at level 4 (cookies 3, args 2).
  '942251': 3, '942490': 3, '942420': 3, '942431': 3, '942460': 3, '942511': 3, '942530': 3,
  '942421': 4, '942432': 4,
};

/** The level a CRS test needs: the lowest level among the rules of its family it expects to fire. */
export function testParanoia(expectIds: readonly number[], family: string): 1 | 3 | 4 {
  const levels = expectIds.filter((id) => String(id).startsWith(family)).map((id) => CRS_HIGH_PARANOIA[String(id)] ?? 1);
  return levels.length === 0 ? 1 : (Math.min(...levels) as 1 | 3 | 4);
}
