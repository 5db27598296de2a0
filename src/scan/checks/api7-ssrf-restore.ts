// Leaves no canary URL behind: an SSRF probe that writes (POST /me/avatar {url}) may store the URL in
// the object (avatarUrl). The object is read before and after the probe, and every property that now
// holds the canary URL is set back, as mass assignment does: through the same input when it is the same
// property, else through a write of the object that declares the property, else (the original being a
// URL) through the probed input with the original URL.
import { own } from '../../core/own.ts';
import { isSuccess, type ScanContext } from '../context.ts';
import type { HttpResponse } from '../http.ts';
import type { Identity } from '../identity.ts';
import type { ScanOperation } from '../operations.ts';

/** The read that shows the object a write changes: GET on its path, else on the nearest parent path (/me for /me/avatar). */
export function stateReader(ctx: ScanContext, op: ScanOperation, who: Identity | undefined): { reader: ScanOperation; path: string } | undefined {
  const segments = op.path.split('/');
  for (let n = segments.length; n > 1; n--) {
    const path = segments.slice(0, n).join('/');
    const reader = ctx.plan.spec.operations.find((o) => o.method === 'GET' && o.path === path);
    const resolved = reader ? ctx.resolve(reader, who) : undefined;
    if (reader && resolved) return { reader, path: resolved.path + ctx.query(reader) };
  }
  return undefined;
}

export interface Probe {
  readonly op: ScanOperation;
  readonly path: string;
  readonly name: string;
  readonly inBody: boolean;
  readonly who: Identity | undefined;
  /** What the probe sent besides the URL (the body, or undefined). */
  readonly body: Record<string, unknown> | undefined;
}

/**
 * Puts back what the probe changed. Returns a sentence for the finding ("avatarUrl was set back to
 * null"), or undefined when nothing was left behind.
 */
export async function restoreAfterProbe(ctx: ScanContext, probe: Probe, state: { reader: ScanOperation; path: string }, before: HttpResponse, canaryUrl: string): Promise<string | undefined> {
  const read = () => ctx.send(probe.who, 'GET', state.path, {}, 'reads the object after the canary URL');
  const after = await read();
  const left = changedTo(before, after, canaryUrl);
  if (left.length === 0) return undefined;
  const was = before.json as Record<string, unknown>;
  for (const name of left) {
    const original = own(was, name) ?? null;
    const writer = ctx.plan.spec.operations.find((o) => ['PATCH', 'PUT'].includes(o.method) && o.path === state.reader.path && writable(o, name));
    const resolved = writer ? ctx.resolve(writer, probe.who) : undefined;
    if (name === probe.name) await resend(ctx, probe, original);
    else if (writer && resolved) await ctx.send(probe.who, writer.method, resolved.path, { body: { [name]: original } }, 'restores the original value');
    else if (typeof original === 'string' && original !== '') await resend(ctx, probe, original);
  }
  const still = changedTo(before, await read(), canaryUrl);
  const list = (names: readonly string[]) => names.map((n) => `${n} (was ${JSON.stringify(own(was, n) ?? null)})`).join(', ');
  const restored = left.filter((n) => !still.includes(n));
  return [
    restored.length ? `${list(restored)} set back after the probe` : '',
    still.length ? `${list(still)} still hold${still.length === 1 ? 's' : ''} the canary URL: the API offers no way to set ${still.length === 1 ? 'it' : 'them'} back` : '',
  ].filter(Boolean).join('; ');
}

/** Top-level properties that hold the canary URL now and did not before. */
function changedTo(before: HttpResponse, after: HttpResponse, canaryUrl: string): string[] {
  const was = before.json as Record<string, unknown> | undefined;
  const now = after.json as Record<string, unknown> | undefined;
  if (!isSuccess(after) || !now || typeof now !== 'object' || Array.isArray(now)) return [];
  return Object.keys(now).filter((k) => typeof now[k] === 'string' && (now[k] as string).includes(canaryUrl) && own(was ?? {}, k) !== now[k]);
}

function writable(op: ScanOperation, name: string): boolean {
  const schema = own((op.requestSchema?.properties ?? {}) as Record<string, any>, name);
  return schema !== undefined && schema?.readOnly !== true;
}

async function resend(ctx: ScanContext, probe: Probe, value: unknown): Promise<void> {
  const body = probe.inBody ? { ...probe.body, [probe.name]: value } : probe.body;
  const query = probe.inBody ? ctx.query(probe.op) : ctx.query(probe.op, { [probe.name]: value === null ? '' : String(value) });
  await ctx.send(probe.who, probe.op.method, probe.path + query, body === undefined ? {} : { body }, 'restores the original value');
}
