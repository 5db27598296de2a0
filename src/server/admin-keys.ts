// Admin API for consumers and API keys (the dashboard's Consumers and keys page), on the Store that
// `portcullis keys` uses:
//   GET  /api/consumers                      consumers with their keys (never hashes, never keys)
//   POST /api/consumers                      create or update a consumer {id, name?, roles?, scopes?}
//   POST /api/consumers/{id}/keys            new key {scopes?, expiresIn?, env?}: the key is in this answer only
//   POST /api/keys/{keyId}/rotate            replacement key {grace?, expiresIn?}: the old one works for `grace`
//   POST /api/keys/{keyId}/revoke            refused by every gateway within the key cache TTL (≤ 1 s)
// Every change is logged and written to the audit trail (policy "admin") with who made it, from which
// address, the consumer and key ids and what changed (admin-changes.ts): never a key or its hash.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KEY_LIMITS, keyDurationProblem, keyState, issueKey, rotateKey } from '../auth/key-issue.ts';
import { ENV_PATTERN } from '../auth/api-key.ts';
import { DURATION_PATTERN, toMs } from '../config/units.ts';
import { GatewayError } from '../core/errors.ts';
import type { ApiKeyRecord, Consumer, Store } from '../store/types.ts';
import type { AdminChange } from '../observe/admin-record.ts';
import { json } from './admin.ts';
import { principalOf } from './admin-auth.ts';
import { optionalString, readJsonObject, stringList } from './admin-body.ts';
import { adminAction, type AdminChangeLog } from './admin-changes.ts';

const ID = /^[A-Za-z0-9_.@:-]{1,128}$/;
const KEY_ID = /^pcl_[a-z0-9]{1,16}_[0-9A-Za-z]{8}$/;
const WORD = /^[A-Za-z0-9_.:*/-]{1,128}$/;
/** Printable: no control characters, no line separators, no bidirectional overrides (a name shown reversed). */
const NAME = /^[^\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]{1,200}$/;
const DURATION = new RegExp(DURATION_PATTERN);

export type AdminHandler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> | boolean;

/** The key routes; `store` opens the Store (once), undefined when none is configured (`admin.store`). */
export function keyRoutes(store: (() => Promise<Store>) | undefined, changes: AdminChangeLog): AdminHandler {
  return async (req, res, path) => {
    const match = /^\/api\/(?:consumers(?:\/([^/]+)\/keys)?|keys\/([^/]+)\/(rotate|revoke))$/.exec(path);
    if (!match) return false;
    if (!store) throw new GatewayError('PCL_ERR_ADMIN_NO_STORE', 'set admin.store to the store of your API keys');
    const s = await openOr503(store);
    const [, consumer, keyId, action] = match;
    const [status, body, change] = await answer(s, req, path, consumer, keyId, action);
    if (change) await changes.change(adminAction(req, principalOf(req)), { ...change, status });
    json(res, status, body);
    return true;
  };
}

type Answer = [status: number, body: unknown, change?: Omit<AdminChange, 'status'>];

async function answer(s: Store, req: IncomingMessage, path: string, consumer: string | undefined, keyId: string | undefined, action: string | undefined): Promise<Answer> {
  if (path === '/api/consumers') {
    if (req.method === 'GET') return [200, await listConsumers(s)];
    if (req.method === 'POST') return [200, ...(await saveConsumer(s, await readJsonObject(req)))];
    throw notAllowed('GET, POST');
  }
  if (req.method !== 'POST') throw notAllowed('POST');
  if (consumer !== undefined) return [201, ...(await createKey(s, decode(consumer, ID), await readJsonObject(req)))];
  const id = decode(keyId!, KEY_ID);
  if (action === 'revoke') {
    if (!(await s.revokeKey(id, Date.now()))) throw new GatewayError('PCL_ERR_ADMIN_NOT_FOUND', 'no active key with this id (unknown or already revoked)');
    const revoked = (await s.getKey(id))!;
    return [200, view(revoked, Date.now()), { verdict: 'key-revoked', consumer: revoked.consumerId, evidence: { consumerId: revoked.consumerId, keyId: id, revokedAt: revoked.revokedAt } }];
  }
  const body = await readJsonObject(req);
  const grace = keyDuration(body, 'grace') ?? toMs('24h');
  const made = await rotateKey(s, id, grace, keyDuration(body, 'expiresIn'));
  // An expired key is not rotated: its consumer gets a new key (POST /api/consumers/{id}/keys).
  if (!made) throw new GatewayError('PCL_ERR_ADMIN_NOT_FOUND', 'no active key with this id (unknown, revoked or expired: for an expired key, make a new key for its consumer)');
  const k = made.record;
  return [
    201,
    { key: made.key, ...view(k, Date.now()), oldKeyExpiresAt: made.oldExpiresAt },
    { verdict: 'key-rotated', consumer: k.consumerId, evidence: { consumerId: k.consumerId, keyId: k.id, rotatedFrom: id, scopes: k.scopes, expiresAt: k.expiresAt ?? null, oldKeyExpiresAt: made.oldExpiresAt } },
  ];
}

async function listConsumers(store: Store) {
  const [consumers, keys] = await Promise.all([store.listConsumers(), store.listKeys()]);
  const now = Date.now();
  const byConsumer = new Map<string, ReturnType<typeof view>[]>();
  for (const k of keys) {
    const list = byConsumer.get(k.consumerId) ?? [];
    list.push(view(k, now));
    byConsumer.set(k.consumerId, list);
  }
  return { consumers: consumers.map((c) => ({ id: c.id, name: c.name, roles: c.roles, scopes: c.scopes, tier: c.tier, keys: byConsumer.get(c.id) ?? [] })) };
}

async function saveConsumer(store: Store, body: Record<string, unknown>): Promise<[unknown, Omit<AdminChange, 'status'>]> {
  const id = optionalString(body, 'id', ID);
  if (id === undefined) throw new GatewayError('PCL_ERR_BAD_REQUEST', '"id" is required');
  const existing = await store.getConsumer(id);
  const consumer = {
    id,
    name: optionalString(body, 'name', NAME) ?? existing?.name,
    roles: body.roles === undefined ? (existing?.roles ?? []) : stringList(body, 'roles', WORD),
    scopes: body.scopes === undefined ? (existing?.scopes ?? []) : stringList(body, 'scopes', WORD),
    metadata: existing?.metadata ?? {},
    tier: existing?.tier,
  };
  await store.upsertConsumer(consumer);
  const after = { name: consumer.name ?? null, roles: consumer.roles, scopes: consumer.scopes };
  const change: Omit<AdminChange, 'status'> = existing
    ? { verdict: 'consumer-updated', consumer: id, evidence: { consumerId: id, changed: changedFields(existing, consumer), before: { name: existing.name ?? null, roles: existing.roles, scopes: existing.scopes }, after } }
    : { verdict: 'consumer-created', consumer: id, evidence: { consumerId: id, after } };
  return [{ id: consumer.id, name: consumer.name, roles: consumer.roles, scopes: consumer.scopes, keys: [] }, change];
}

/** The fields an update changed (an update that changes nothing is recorded too: [] here). */
function changedFields(before: Pick<Consumer, 'name' | 'roles' | 'scopes'>, after: Pick<Consumer, 'name' | 'roles' | 'scopes'>): string[] {
  const same = (x: readonly string[], y: readonly string[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  return [...(before.name === after.name ? [] : ['name']), ...(same(before.roles, after.roles) ? [] : ['roles']), ...(same(before.scopes, after.scopes) ? [] : ['scopes'])];
}

async function createKey(store: Store, consumerId: string, body: Record<string, unknown>): Promise<[unknown, Omit<AdminChange, 'status'>]> {
  if (!(await store.getConsumer(consumerId))) throw new GatewayError('PCL_ERR_ADMIN_NOT_FOUND', 'no consumer with this id');
  const made = await issueKey(store, consumerId, {
    scopes: stringList(body, 'scopes', WORD),
    expiresInMs: keyDuration(body, 'expiresIn'),
    env: optionalString(body, 'env', ENV_PATTERN) ?? 'live',
  });
  const k = made.record;
  return [{ key: made.key, ...view(k, Date.now()) }, { verdict: 'key-created', consumer: consumerId, evidence: { consumerId, keyId: k.id, scopes: k.scopes, expiresAt: k.expiresAt ?? null } }];
}

/** A duration field of a key request, in ms, within KEY_LIMITS (400 beyond). */
function keyDuration(body: Record<string, unknown>, name: keyof typeof KEY_LIMITS): number | undefined {
  const text = optionalString(body, name, DURATION);
  if (text === undefined) return undefined;
  const ms = toMs(text);
  const problem = keyDurationProblem(name, ms);
  if (problem !== undefined) throw new GatewayError('PCL_ERR_BAD_REQUEST', problem);
  return ms;
}

/** A key as the API shows it: never its hash. */
function view(k: ApiKeyRecord, now: number) {
  return { id: k.id, consumerId: k.consumerId, scopes: k.scopes, createdAt: k.createdAt, expiresAt: k.expiresAt, revokedAt: k.revokedAt, rotatedFrom: k.rotatedFrom, state: keyState(k, now) };
}

function decode(segment: string, pattern: RegExp): string {
  let value: string;
  try {
    value = decodeURIComponent(segment);
  } catch {
    throw new GatewayError('PCL_ERR_BAD_REQUEST', 'malformed percent-encoding in the path');
  }
  if (!pattern.test(value)) throw new GatewayError('PCL_ERR_BAD_REQUEST', `the id in the path must match ${pattern.source}`);
  return value;
}

function notAllowed(allow: string): GatewayError {
  return new GatewayError('PCL_ERR_METHOD_NOT_ALLOWED', undefined, { headers: { allow } });
}

async function openOr503(open: () => Promise<Store>): Promise<Store> {
  try {
    return await open();
  } catch (error) {
    throw new GatewayError('PCL_ERR_ADMIN_NO_STORE', 'the key store cannot be reached', { cause: error });
  }
}
