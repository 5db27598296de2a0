import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeAdminHost } from './admin-host.ts';

test('admin Host guard: IP literals, localhost and the admin host pass; other names (rebinding) do not', () => {
  for (const host of ['127.0.0.1:9901', '127.0.0.1', '[::1]:9901', '10.0.0.7:9901', 'localhost:9901', 'LOCALHOST', 'dash.localhost:9901', 'admin.internal:9901', undefined])
    assert.equal(safeAdminHost(host, 'admin.internal'), true, String(host));
  for (const host of ['rebind.attacker.example:9901', 'attacker.example', 'localhost.attacker.example', '', '[::1', '127.0.0.1.nip.io:9901'])
    assert.equal(safeAdminHost(host, 'admin.internal'), false, host);
});
