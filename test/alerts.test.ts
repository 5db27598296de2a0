// Alerts and anomaly detection through a real gateway: a webhook receiver checks the HMAC-SHA256
// signature, a rule fires on repeated authentication failures from one IP (delivered after a
// failed first attempt, with back-off), the ID-enumeration detector fires on a scraper and stays
// silent for a user paging through their own orders, scanning bursts are caught, and findings are
// written to the audit trail.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { keyedApiYaml } from './helpers/anomaly.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { waitUntil } from './helpers/process.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const SECRET = 'webhook-secret-0123456789';
const ALICE = 'alice-key-0123456789abcdef';
const BOB = 'bob-key-0123456789abcdefgh';

const SPEC = `openapi: 3.0.3
info: { title: shop, version: '2' }
servers: [{ url: /v2 }]
paths:
  /orders:
    get: { operationId: listOrders, responses: { '200': { description: ok } } }
  /orders/{orderId}:
    get:
      operationId: getOrder
      parameters: [{ name: orderId, in: path, required: true, schema: { type: string } }]
      responses: { '200': { description: ok } }
`;

interface Delivery {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly alert: Record<string, any>;
}

describe('alerts and anomaly detection', () => {
  let upstream: TestUpstream;
  let receiver: TestUpstream;
  let gw: TestGateway;
  const deliveries: Delivery[] = [];
  let attempts = 0;

  before(async () => {
    upstream = await startUpstream();
    receiver = await startUpstream((req, res, body) => {
      attempts++;
      // The first delivery attempt fails: the sender must retry.
      if (attempts === 1) {
        res.writeHead(503).end();
        return;
      }
      deliveries.push({ headers: req.headers, body: body.toString(), alert: JSON.parse(body.toString()) });
      res.writeHead(204).end();
    });
    gw = await startTestGateway(
      `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { host: 127.0.0.1, port: 0 }
log: { access: false }
audit: { enabled: true, store: audit.db, flushInterval: 20ms }
alerts:
  webhooks:
    - { name: security, url: ${receiver.url}/hook, secret: ${SECRET}, retries: 3 }
  rules:
    - { name: auth-failures, signal: denied, reasons: [PCL_ERR_UNAUTHENTICATED], by: ip, threshold: 5, window: 1m }
    - { name: enumeration, signal: anomaly, reasons: [PCL_ANOMALY_ID_ENUMERATION], by: consumer, threshold: 1 }
    - { name: scanning, signal: anomaly, reasons: [PCL_ANOMALY_SCANNING], by: ip, threshold: 1 }
  anomalies:
    idEnumeration: { distinctIds: 40, window: 1m }
    scanning: { notFound: 10, window: 1m }
${keyedApiYaml(upstream.url, { alice: ALICE, bob: BOB }, './openapi.yaml')}`,
      { 'openapi.yaml': SPEC },
    );
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
    await receiver?.close();
  });

  const call = async (path: string, key?: string) => {
    const res = await fetch(`${gw.url}${path}`, key ? { headers: { 'x-api-key': key } } : {});
    await res.arrayBuffer();
    return res.status;
  };
  const alertsOf = (rule: string) => deliveries.filter((d) => d.alert.rule === rule);

  test('five authentication failures from one IP: one signed alert, delivered after a retry', async () => {
    for (let i = 0; i < 4; i++) assert.equal(await call('/v2/orders', `wrong-key-${i}-0123456789`), 401);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(attempts, 0, 'no alert below the threshold');
    for (let i = 0; i < 3; i++) assert.equal(await call('/v2/orders', `wrong-key-x${i}-0123456789`), 401);
    await waitUntil('the alert to be delivered', () => alertsOf('auth-failures').length === 1, 10_000);
    assert.ok(attempts >= 2, 'the first attempt failed and was retried');
    const [d] = alertsOf('auth-failures');
    const expected = `sha256=${createHmac('sha256', SECRET).update(`${d!.headers['x-portcullis-timestamp']}.${d!.body}`).digest('hex')}`;
    assert.equal(d!.headers['x-portcullis-signature'], expected);
    assert.equal(d!.headers['content-type'], 'application/json');
    assert.deepEqual(
      { type: d!.alert.type, signal: d!.alert.signal, by: d!.alert.by, key: d!.alert.key, count: d!.alert.count, threshold: d!.alert.threshold, reason: d!.alert.last.reason, policy: d!.alert.last.policy },
      { type: 'portcullis.alert', signal: 'denied', by: 'ip', key: '127.0.0.1', count: 5, threshold: 5, reason: 'PCL_ERR_UNAUTHENTICATED', policy: 'auth-apikey' },
    );
    assert.ok(!d!.body.includes('wrong-key'), 'a credential reached the alert');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(alertsOf('auth-failures').length, 1, 'quiet during the cooldown');
  });

  test('ID enumeration: silent for a user paging through their own orders, fires once on a scraper', async () => {
    for (let round = 0; round < 5; round++) {
      for (let page = 1; page <= 10; page++) assert.equal(await call(`/v2/orders?page=${page}`, ALICE), 200);
      for (const id of ['1001', '1002', '1003', '1004', '1005', '1006', '1007', '1008']) assert.equal(await call(`/v2/orders/${id}`, ALICE), 200);
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(alertsOf('enumeration').length, 0, 'a normal user raised an enumeration alert');
    for (let id = 1; id <= 150; id++) await call(`/v2/orders/${id}`, BOB);
    await waitUntil('the enumeration alert', () => alertsOf('enumeration').length === 1, 10_000);
    const details = alertsOf('enumeration')[0]!.alert.last.details;
    assert.equal(details.caller, 'bob');
    assert.equal(details.operation, 'getOrder');
    assert.ok(details.distinctIds >= 40, String(details.distinctIds));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(alertsOf('enumeration').length, 1, 'fires once per window');
    const res = await fetch(`${gw.adminUrl}/api/events?verdict=report&limit=10`);
    const { events } = (await res.json()) as { events: { policy: string; reason: string; consumer: string; evidence: Record<string, unknown> }[] };
    const finding = events.find((e) => e.reason === 'PCL_ANOMALY_ID_ENUMERATION');
    assert.ok(finding, JSON.stringify(events));
    assert.equal(finding.policy, 'anomaly');
    assert.equal(finding.consumer, 'bob');
    assert.equal(finding.evidence.detector, 'id-enumeration');
    // The dashboard's Alerts page reads the same findings from /api/alerts.
    const listed = (await (await fetch(`${gw.adminUrl}/api/alerts?limit=10`)).json()) as { alerts: { kind: string; subject: string; blocked: boolean; detail: string }[] };
    const alert = listed.alerts.find((a) => a.kind === 'PCL_ANOMALY_ID_ENUMERATION');
    assert.ok(alert, JSON.stringify(listed));
    assert.equal(alert.subject, 'bob');
    assert.equal(alert.blocked, false);
    assert.match(alert.detail, /id-enumeration/);
  });

  test('scanning: a burst of 404s from one IP', async () => {
    for (let i = 0; i < 12; i++) assert.equal(await call(`/admin-${i}.php`), 404);
    await waitUntil('the scanning alert', () => alertsOf('scanning').length === 1, 10_000);
    assert.equal(alertsOf('scanning')[0]!.alert.last.details.notFound, 10);
  });

  test('a rule naming an unknown webhook is a config error', async () => {
    await assert.rejects(
      startTestGateway(`listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
alerts: { rules: [{ name: r, threshold: 1, webhooks: [nope] }] }
upstreams: { b: { url: http://127.0.0.1:1 } }
apis: [{ name: a, upstream: b, routes: [{ path: /* }] }]
`),
      /no webhook named "nope"/,
    );
  });
});
