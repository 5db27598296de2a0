// The request lifecycle of DESIGN.md, in order. A policy declares its phase; the pipeline sorts by it,
// so the order of keys in a config never changes what runs first.
export const PHASES = ['listen', 'route', 'authenticate', 'authorize', 'limit', 'validate', 'inspect', 'proxy'] as const;
export type Phase = (typeof PHASES)[number];

export const PHASE_ORDER: Readonly<Record<Phase, number>> = Object.fromEntries(PHASES.map((p, i) => [p, i])) as Record<
  Phase,
  number
>;
