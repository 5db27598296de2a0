// One JSON line per request: who, what, how it ended, how long it took, and each policy's decision.
// It is written on every request, so the line is assembled by hand (no generic serializer) and handed
// to a buffered destination. Only headers named in `log.headers` are included, and credentials among
// them are always redacted.
import type { RequestContext } from '../core/context.ts';
import type { Chain } from '../core/pipeline.ts';

const ALWAYS_REDACTED = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'api-key', 'x-auth-token'];

export type AccessLog = (ctx: RequestContext, status: number, preRoute: Chain, chain: Chain | undefined) => void;

export interface LineSink {
  write(line: string): unknown;
}

export function createAccessLog(sink: LineSink, options: { enabled: boolean; headers: readonly string[]; redact: readonly string[] }): AccessLog {
  if (!options.enabled) return () => {};
  const redacted = new Set([...ALWAYS_REDACTED, ...options.redact.map((h) => h.toLowerCase())]);
  const headers = options.headers.map((h) => h.toLowerCase());
  const prefix = `{"level":"info","pid":${process.pid},"type":"access","time":"`;
  return (ctx, status, preRoute, chain) => {
    const socket = ctx.req.socket;
    const now = performance.now();
    let line = `${prefix}${isoAt(now)}","reqId":${str(ctx.id)},"method":${str(ctx.req.method ?? '')},"status":${status}`;
    if (ctx.path) line += `,"path":${str(ctx.path)}`;
    if (ctx.api !== undefined) line += `,"api":${str(ctx.api)},"op":${str(ctx.operationId ?? '')}`;
    line += `,"ms":${round(now - ctx.startedAt)}`;
    if (ctx.upstreamMs >= 0) line += `,"upstreamMs":${round(ctx.upstreamMs)}`;
    // The socket is gone when the client disconnected; its counters went with it.
    if (socket) line += `,"bytesIn":${socket.bytesRead - ctx.readAtStart},"bytesOut":${socket.bytesWritten - ctx.writtenAtStart}`;
    line += `,"ip":${str(ctx.clientIp)}`;
    const policies = decisions(ctx, preRoute, chain);
    if (policies) line += `,"policies":${JSON.stringify(policies)}`;
    if (ctx.errorCode) line += `,"error":"${ctx.errorCode}"`;
    if (headers.length) {
      const picked: Record<string, string | string[]> = {};
      for (const h of headers) {
        const v = ctx.req.headers[h];
        if (v !== undefined) picked[h] = redacted.has(h) ? '[REDACTED]' : v;
      }
      line += `,"headers":${JSON.stringify(picked)}`;
    }
    sink.write(`${line}}\n`);
  };
}

let lastMs = 0;
let lastIso = '';
/** ISO time of a performance.now() reading (no second clock read), formatted at most once per millisecond. */
function isoAt(perfNow: number): string {
  const ms = Math.floor(performance.timeOrigin + perfNow);
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/** JSON string; the common case (printable ASCII without quote or backslash) skips JSON.stringify. */
function str(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return JSON.stringify(value);
  }
  return `"${value}"`;
}

function decisions(ctx: RequestContext, preRoute: Chain, route: Chain | undefined): Record<string, string> | undefined {
  if (preRoute.policies.length === 0 && (route === undefined || route.policies.length === 0)) return undefined;
  let out: Record<string, string> | undefined;
  let stopped = false;
  for (const chain of [preRoute, route]) {
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
