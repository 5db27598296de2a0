// One JSON line per request: who, what, how it ended, how long it took, and each policy's decision.
// It is written on every request, so the line is assembled byte by byte straight into the log's
// buffered block (json-bytes.ts: no strings concatenated, nothing encoded twice). Only headers named in
// `log.headers` are included, and credentials among them are always redacted: by name, and any header an
// authentication policy reads a credential from (an API key header named X-Partner-Id). A reload applies
// a new `log` section (on or off, header list, redactions) through `configure`.
import { READ_LOGGED, type RequestContext } from '../core/context.ts';
import { CREDENTIAL_NAME } from '../core/credential-names.ts';
import { own } from '../core/own.ts';
import type { Chain } from '../core/pipeline.ts';
import { jsonStringBound, NUMBER_BOUND, putJsonString, putMs, putNumber } from './json-bytes.ts';

const ALWAYS_REDACTED = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'api-key', 'x-auth-token'];


/** `endedAt`: the performance.now() reading of the request's end, when the caller has one. */
export type AccessLog = (ctx: RequestContext, status: number, preRoute: Chain, chain: Chain | undefined, endedAt?: number) => void;

export interface LineSink {
  write(line: string): unknown;
  /** In-place writing (BufferedLineSink): room in `block` from the returned position, -1 for none. */
  claim?(bytes: number): number;
  readonly block?: Buffer;
  commit?(end: number): void;
}

const ascii = (text: string) => Buffer.from(text, 'latin1');
const REQ_ID = ascii('","reqId":');
const METHOD = ascii(',"method":');
const STATUS = ascii(',"status":');
const PATH = ascii(',"path":');
const API = ascii(',"api":');
const OP = ascii(',"op":');
const MS = ascii(',"ms":');
const UPSTREAM_MS = ascii(',"upstreamMs":');
const BYTES_IN = ascii(',"bytesIn":');
const BYTES_OUT = ascii(',"bytesOut":');
const IP = ascii(',"ip":');
const POLICIES = ascii(',"policies":');
const ERROR = ascii(',"error":');
const HEADERS = ascii(',"headers":');
const END = ascii('}\n');
/** Every constant piece, the time and the numbers together, with room to spare. */
const FIXED_BOUND = 512;

function put(buf: Uint8Array, pos: number, piece: Uint8Array): number {
  buf.set(piece, pos);
  return pos + piece.length;
}

/** Text already in JSON form (JSON.stringify's output). */
function putJson(buf: Buffer, pos: number, json: string): number {
  return pos + buf.write(json, pos, 'utf8');
}

/** The part of the config's `log` section the access log follows; a reload applies it anew. */
export interface AccessLogSettings {
  readonly access: boolean;
  readonly headers: readonly string[];
  readonly redact: readonly string[];
}

export interface AccessLogWriter {
  readonly log: AccessLog;
  /**
   * Applies a config's settings to every line written from now on. `credentials`: the headers its
   * authentication policies read credentials from (redacted too).
   */
  configure(settings: AccessLogSettings, credentials: ReadonlySet<string> | undefined): void;
}

/** `enabled`: false when there is nowhere to write (every line dropped, whatever the config says). */
export function createAccessLog(sink: LineSink, options: { enabled: boolean; settings: AccessLogSettings; credentials: ReadonlySet<string> | undefined }): AccessLogWriter {
  if (!options.enabled) return { log: () => {}, configure: () => {} };
  // A header that carried credentials under any config of this process stays redacted: a request
  // started under that config may be logged after a reload that no longer treats it as one.
  const everCredential = new Set<string>();
  // Replaced whole by configure, in the reload's turn: a line reads one config's settings.
  let on = false;
  let fields: readonly { readonly name: string; readonly redacted: boolean }[] = [];
  const configure = (settings: AccessLogSettings, credentials: ReadonlySet<string> | undefined) => {
    for (const h of credentials ?? []) everCredential.add(h.toLowerCase());
    const redact = new Set(settings.redact.map((h) => h.toLowerCase()));
    on = settings.access;
    fields = settings.headers.map((h) => {
      const name = h.toLowerCase();
      // Named like a credential: redacted too, whatever the config says.
      return { name, redacted: ALWAYS_REDACTED.includes(name) || redact.has(name) || CREDENTIAL_NAME.test(name) || everCredential.has(name) };
    });
  };
  configure(options.settings, options.credentials);
  const prefix = ascii(`{"level":"info","pid":${process.pid},"type":"access","time":"`);
  let scratch = Buffer.allocUnsafe(4096);
  const inPlace = sink.claim !== undefined && sink.commit !== undefined;

  function format(buf: Buffer, pos: number, ctx: RequestContext, status: number, now: number, policies: string | undefined, picked: string | undefined): number {
    pos = put(buf, pos, prefix);
    pos = put(buf, pos, isoAt(now));
    pos = put(buf, pos, REQ_ID);
    pos = putJsonString(buf, pos, ctx.id);
    pos = put(buf, pos, METHOD);
    pos = putJsonString(buf, pos, ctx.req.method ?? '');
    pos = put(buf, pos, STATUS);
    pos = putNumber(buf, pos, status);
    if (ctx.path) pos = putJsonString(buf, put(buf, pos, PATH), ctx.path);
    if (ctx.api !== undefined) {
      pos = putJsonString(buf, put(buf, pos, API), ctx.api);
      pos = putJsonString(buf, put(buf, pos, OP), ctx.operationId ?? '');
    }
    pos = putMs(buf, put(buf, pos, MS), now - ctx.startedAt);
    if (ctx.upstreamMs >= 0) pos = putMs(buf, put(buf, pos, UPSTREAM_MS), ctx.upstreamMs);
    const socket = ctx.socket;
    const read = socket.bytesRead;
    socket[READ_LOGGED] = read;
    pos = putNumber(buf, put(buf, pos, BYTES_IN), read - ctx.readAtStart);
    pos = putNumber(buf, put(buf, pos, BYTES_OUT), socket.bytesWritten - ctx.writtenAtStart);
    pos = putJsonString(buf, put(buf, pos, IP), ctx.clientIp);
    if (policies !== undefined) pos = putJson(buf, put(buf, pos, POLICIES), policies);
    if (ctx.errorCode) pos = putJsonString(buf, put(buf, pos, ERROR), ctx.errorCode);
    if (picked !== undefined) pos = putJson(buf, put(buf, pos, HEADERS), picked);
    return put(buf, pos, END);
  }

  const log: AccessLog = (ctx, status, preRoute, chain, endedAt) => {
    if (!on) return;
    const now = endedAt ?? performance.now();
    const decided = decisions(ctx, preRoute, chain);
    const policies = decided && JSON.stringify(decided);
    let picked: string | undefined;
    if (fields.length) {
      const values: Record<string, string | string[]> = {};
      for (const f of fields) {
        const v = own(ctx.req.headers, f.name);
        if (v !== undefined) values[f.name] = f.redacted ? '[REDACTED]' : v;
      }
      picked = JSON.stringify(values);
    }
    const strings = ctx.id.length + (ctx.req.method?.length ?? 0) + (ctx.path?.length ?? 0) + (ctx.api?.length ?? 0) + (ctx.operationId?.length ?? 0) + ctx.clientIp.length + (ctx.errorCode?.length ?? 0);
    const bound = FIXED_BOUND + jsonStringBound(strings) + 7 * NUMBER_BOUND + 3 * ((policies?.length ?? 0) + (picked?.length ?? 0));
    if (inPlace) {
      const pos = sink.claim!(bound);
      if (pos !== -1) {
        sink.commit!(format(sink.block!, pos, ctx, status, now, policies, picked));
        return;
      }
    }
    if (scratch.length < bound) scratch = Buffer.allocUnsafe(bound);
    sink.write(scratch.toString('utf8', 0, format(scratch, 0, ctx, status, now, policies, picked)));
  };
  return { log, configure };
}

const timeOrigin = performance.timeOrigin;
let lastSecond = 0;
const lastIso = Buffer.alloc(24);
/**
 * ISO time of a performance.now() reading (no second clock read). The date and time up to the second
 * are formatted once per second (Date#toISOString costs close to a microsecond); the milliseconds are
 * written as three digits.
 */
export function isoAt(perfNow: number): Buffer {
  const ms = Math.floor(timeOrigin + perfNow);
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastIso.write(new Date(ms).toISOString(), 0, 'latin1');
  }
  const milli = ms - second * 1000;
  lastIso[20] = 0x30 + Math.floor(milli / 100);
  lastIso[21] = 0x30 + (Math.floor(milli / 10) % 10);
  lastIso[22] = 0x30 + (milli % 10);
  return lastIso;
}

function decisions(ctx: RequestContext, preRoute: Chain, route: Chain | undefined): Record<string, string> | undefined {
  if (preRoute.policies.length === 0 && (route === undefined || route.policies.length === 0)) return undefined;
  let out: Record<string, string> | undefined;
  // Stopped while a policy waited: only the decisions made are known, not which policies passed.
  if (ctx.stopped) {
    for (const d of ctx.decisions ?? []) (out ??= {})[d.policy] = `${d.verdict}${d.code ? `:${d.code}` : ''}`;
    return out;
  }
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
