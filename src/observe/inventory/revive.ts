// An inventory snapshot read back from the store, checked field by field: whatever does not have the
// expected shape is left out (a damaged row never breaks the start, nor smuggles prototype keys or
// strings of any length into the inventory).
import { isMediaKey } from './media.ts';
import { reviveShape, type Shape } from './shape.ts';
import type { InventoryRaw, OperationUsageRaw, ShadowRaw, Usage } from './usage.ts';

const BODY_SLOT = /^(request|[1-5]xx)$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);
const text = (v: unknown, max: number): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined);

export function reviveInventory(value: unknown): InventoryRaw | undefined {
  if (!isObj(value)) return undefined;
  const since = count(value.since);
  if (since === undefined || !Array.isArray(value.operations) || !Array.isArray(value.shadow)) return undefined;
  const operations: OperationUsageRaw[] = [];
  for (const o of value.operations) {
    const usage = reviveUsage(o);
    const api = isObj(o) ? text(o.api, 200) : undefined;
    const operationId = isObj(o) ? text(o.operationId, 300) : undefined;
    if (usage && api && operationId) operations.push({ api, operationId, ...usage });
  }
  const shadow: ShadowRaw[] = [];
  for (const s of value.shadow) {
    const usage = reviveUsage(s);
    if (!usage || !isObj(s)) continue;
    const api = s.api === null ? null : text(s.api, 200);
    const method = text(s.method, 20);
    const path = text(s.path, 2000);
    const example = typeof s.example === 'string' ? s.example.slice(0, 200) : '';
    const queryNames = Array.isArray(s.queryNames) ? s.queryNames.filter((q): q is string => typeof q === 'string' && q.length <= 64).slice(0, 20) : [];
    if (api !== undefined && method && path?.startsWith('/')) shadow.push({ api, method, path, example, queryNames, ...usage });
  }
  return { since, operations, shadow, overflow: count(value.overflow) ?? 0 };
}

function reviveUsage(v: unknown): Usage | undefined {
  if (!isObj(v)) return undefined;
  const n = count(v.count);
  const firstSeen = count(v.firstSeen);
  const lastSeen = count(v.lastSeen);
  const status = Array.isArray(v.status) && v.status.length === 5 ? v.status.map(count) : undefined;
  if (n === undefined || firstSeen === undefined || lastSeen === undefined || !status || status.some((c) => c === undefined)) return undefined;
  return {
    count: n,
    firstSeen,
    lastSeen,
    status: status as number[],
    authenticated: count(v.authenticated) ?? 0,
    denied: count(v.denied) ?? 0,
    requestTypes: counts(v.requestTypes, (k) => isMediaKey(k, false)),
    responseTypes: counts(v.responseTypes, (k) => isMediaKey(k, true)),
    bodies: bodies(v.bodies),
  };
}

function counts(v: unknown, keyOk: (key: string) => boolean): Record<string, number> {
  const out: Record<string, number> = {};
  if (!isObj(v)) return out;
  for (const [k, c] of Object.entries(v).slice(0, 8)) if (keyOk(k) && count(c) !== undefined) out[k] = c as number;
  return out;
}

function bodies(v: unknown): Record<string, Shape> {
  const out: Record<string, Shape> = {};
  if (!isObj(v)) return out;
  for (const [slot, s] of Object.entries(v)) {
    const shape = BODY_SLOT.test(slot) ? reviveShape(s) : undefined;
    if (shape) out[slot] = shape;
  }
  return out;
}
