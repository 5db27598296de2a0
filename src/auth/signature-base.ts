// The signature base of RFC 9421 §2.5 for a request as the gateway received it: one line per covered
// component (`"@method": POST`), then `"@signature-params": <the inner list, serialized>`. Derived
// components come from the request line and Host; header fields are their values joined by ", ".
// Component parameters (;sf, ;key, ;bs, ;req, ;name) are not supported: such a signature is refused.
import { serializeInnerList, type InnerList } from 'structured-headers';
import type { RequestContext } from '../core/context.ts';

/** The value of one component, or undefined when the request has none (then the signature fails). */
export function componentValue(ctx: RequestContext, name: string): string | undefined {
  const req = ctx.req;
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  switch (name) {
    case '@method':
      return req.method;
    case '@authority':
      return req.headers.host?.toLowerCase();
    case '@scheme':
      return scheme(ctx);
    case '@target-uri':
      return req.headers.host === undefined ? undefined : `${scheme(ctx)}://${req.headers.host.toLowerCase()}${target}`;
    case '@request-target':
      return target;
    case '@path':
      return q === -1 ? target : target.slice(0, q);
    case '@query':
      return q === -1 ? '?' : target.slice(q);
  }
  if (name.startsWith('@') || name !== name.toLowerCase()) return undefined;
  const raw = req.rawHeaders;
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() !== name) continue;
    const v = raw[i + 1]!.trim();
    value = value === undefined ? v : `${value}, ${v}`;
  }
  return value;
}

function scheme(ctx: RequestContext): string {
  return (ctx.req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
}

/** The signature base, or undefined when a covered component is missing or has parameters. */
export function signatureBase(ctx: RequestContext, params: InnerList): string | undefined {
  let base = '';
  for (const [component, componentParams] of params[0]) {
    if (typeof component !== 'string' || componentParams.size > 0) return undefined;
    const value = componentValue(ctx, component);
    if (value === undefined || /[\r\n]/.test(value)) return undefined;
    base += `"${component}": ${value}\n`;
  }
  return `${base}"@signature-params": ${serializeInnerList(params)}`;
}
