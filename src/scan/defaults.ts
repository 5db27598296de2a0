// Default limits of a scan (shared by the command line, which must stay light to load, and the scanner).
export const DEFAULTS = { maxRequests: 1000, rate: 50, timeoutMs: 10_000, burst: 20 } as const;
