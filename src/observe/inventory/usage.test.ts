// The usage table across a restart: a loaded snapshot continues counts, media types, shapes and
// `since`, operations not called yet keep their loaded figures, and damaged snapshots are filtered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countMedia } from './media.ts';
import { reviveInventory } from './revive.ts';
import { shapeOf } from './shape.ts';
import { countUsage, UsageTable } from './usage.ts';

function before(): UsageTable {
  const table = new UsageTable();
  const login = table.operation('shop', 'login', 1000);
  countUsage(login, 1000, 200, false, false);
  countUsage(login, 2000, 401, false, false);
  countMedia(login.requestTypes, 'application/json');
  countMedia(login.responseTypes, '2xx application/json');
  login.bodies.request = shapeOf({ username: 'x', password: 'y' });
  countUsage(table.operation('shop', 'getMe', 1500), 1500, 200, true, false);
  table.undocumented(null, 'GET', '/v1/users/7', 'debug=1', 3000, 404, false, true);
  return table;
}

test('a loaded snapshot continues: counts add up, untouched operations keep theirs, since goes back', () => {
  const saved = JSON.parse(JSON.stringify(before().raw()));
  const after = new UsageTable();
  after.load(reviveInventory(saved)!);
  assert.equal(after.since, saved.since);
  const login = after.operation('shop', 'login', 9000);
  countUsage(login, 9000, 200, false, false);
  countMedia(login.requestTypes, 'application/json');
  after.undocumented(null, 'GET', '/v1/users/8', 'page=2', 9000, 404, false, true);
  const raw = after.raw();
  const op = (id: string) => raw.operations.find((o) => o.operationId === id)!;
  assert.equal(op('login').count, 3);
  assert.deepEqual(op('login').status, [0, 2, 0, 1, 0]);
  assert.equal(op('login').firstSeen, 1000);
  assert.equal(op('login').lastSeen, 9000);
  assert.deepEqual(op('login').requestTypes, { 'application/json': 2 });
  assert.deepEqual(op('login').responseTypes, { '2xx application/json': 1 });
  assert.deepEqual(Object.keys(op('login').bodies.request!.props!).sort(), ['password', 'username']);
  assert.equal(op('getMe').count, 1, 'not called since the restart, still counted');
  assert.equal(op('getMe').authenticated, 1);
  assert.equal(raw.shadow.length, 1);
  assert.equal(raw.shadow[0]!.count, 2);
  assert.deepEqual(raw.shadow[0]!.queryNames.sort(), ['debug', 'page']);
});

test('damaged snapshots: malformed entries and keys are left out, the rest is kept', () => {
  assert.equal(reviveInventory(null), undefined);
  assert.equal(reviveInventory({ since: 'yesterday', operations: [], shadow: [] }), undefined);
  const raw = JSON.parse(JSON.stringify(before().raw()));
  raw.operations[0].requestTypes = JSON.parse('{"__proto__": 5, "text/plain": 2, "not a type": 1}');
  raw.operations[0].bodies.evil = { n: 1 };
  raw.operations[1].count = -4;
  raw.shadow[0].path = 'no-slash';
  const revived = reviveInventory(raw)!;
  assert.equal(revived.operations.length, 1);
  assert.deepEqual(revived.operations[0]!.requestTypes, { 'text/plain': 2 });
  assert.deepEqual(Object.keys(revived.operations[0]!.bodies), ['request']);
  assert.equal(revived.shadow.length, 0);
  assert.equal(Object.getPrototypeOf(revived.operations[0]!.requestTypes), Object.prototype);
});

test('a full table of undocumented calls gives way to new ones, never pushing out an endpoint that answered', () => {
  const table = new UsageTable();
  // A catch-all route's endpoint that answered, then a client spraying paths that do not exist.
  table.undocumented('shop', 'GET', '/internal/report', '', 1, 200, false, false);
  // (with a key: authenticated noise gives way too)
  for (let i = 0; i < 1100; i++) table.undocumented(null, 'GET', `/junk${i.toString(36)}x`, '', 10 + i, 404, i % 2 === 0, true);
  // What it probes afterwards is listed, and so is what answered before the flood.
  table.undocumented(null, 'POST', '/hidden/admin-reset', '', 5000, 404, false, true);
  const raw = table.raw();
  assert.equal(raw.shadow.length, 1000);
  const listed = new Set(raw.shadow.map((s) => s.path));
  assert.ok(listed.has('/internal/report'));
  assert.ok(listed.has('/hidden/admin-reset'));
  assert.ok(!listed.has('/junk0x'), 'the oldest noise gave way');
  assert.equal(raw.overflow, 102, 'calls no longer listed are counted');
  assert.equal(raw.shadow.reduce((n, s) => n + s.count, 0) + raw.overflow, 1102);
  // A path seen again after its entry gave way starts a new one (no count lost to a stale cache).
  table.undocumented(null, 'GET', '/junk0x', '', 6000, 404, false, true);
  assert.ok(table.raw().shadow.some((s) => s.path === '/junk0x' && s.count === 1));
});
