// One JSON line per request: who, what, how it ended, how long it took, and each policy's decision.
// Only headers named in `log.headers` are included, and credentials among them are always redacted.
import type { Logger } from 'pino';
import type { RequestContext } from '../core/context.ts';
import type { Chain } from '../core/pipeline.ts';

const ALWAYS_REDACTED = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'api-key', 'x-auth-token'];

export type AccessLog = (ctx: RequestContext, status: number, chains: readonly (Chain | undefined)[]) => void;

export function createAccessLog(logger: Logger, options: { enabled: boolean; headers: readonly string[]; redact: readonly string[] }): AccessLog {
  if (!options.enabled) return () => {};
  const redacted = new Set([...ALWAYS_REDACTED, ...options.redact.map((h) => h.toLowerCase())]);
  const headers = options.headers.map((h) => h.toLowerCase());
  const log = logger.child({ type: 'access' });
  return (ctx, status, chains) => {
    const socket = ctx.req.socket;
    const entry: Record<string, unknown> = {
      reqId: ctx.id,
      method: ctx.req.method,
      path: ctx.path || undefined,
      api: ctx.api,
      op: ctx.operationId,
      status,
      ms: round(performance.now() - ctx.startedAt),
      upstreamMs: ctx.upstreamMs >= 0 ? round(ctx.upstreamMs) : undefined,
      bytesIn: socket.bytesRead - ctx.readAtStart,
      bytesOut: socket.bytesWritten - ctx.writtenAtStart,
      ip: ctx.clientIp,
      policies: decisions(ctx, chains),
      error: ctx.errorCode,
    };
    if (headers.length) {
      const picked: Record<string, string | string[]> = {};
      for (const h of headers) {
        const v = ctx.req.headers[h];
        if (v !== undefined) picked[h] = redacted.has(h) ? '[REDACTED]' : v;
      }
      entry.headers = picked;
    }
    log.info(entry);
  };
}

function decisions(ctx: RequestContext, chains: readonly (Chain | undefined)[]): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  let stopped = false;
  for (const chain of chains) {
    if (!chain) continue;
    for (const p of chain.policies) {
      if (stopped) return out;
      const d = ctx.decisions?.find((x) => x.policy === p.name);
      (out ??= {})[p.name] = d ? `${d.verdict}${d.code ? `:${d.code}` : ''}` : 'allow';
      if (d?.verdict === 'deny') stopped = true;
    }
  }
  return out;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
