// The dashboard in a real browser (Debian's Chromium through playwright-core) against a real gateway:
// sign in, live numbers, security events filtered, keys made, revoked and refused by the gateway, the
// observed OpenAPI draft downloaded, a report opened and grouped by OWASP category, attack payloads
// shown as text and never run, a strict CSP, and no request that leaves loopback. Screenshots go to $PORTCULLIS_SCREENSHOTS when set (docs/screenshots/ is made this way).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runAudit } from '../src/audit/index.ts';
import { renderJson } from '../src/audit/report/json.ts';
import { chromiumMissing, isLoopback, openBrowser, visit, type TestBrowser } from './helpers/browser.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { rawRequest } from './helpers/raw-http.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';
import { dashboardYaml, ensureWebBuilt } from './helpers/web.ts';
import { until } from './helpers/until.ts';

const TOKEN = 'dashboard-e2e-admin-token';
const XSS = '<img src=x onerror="window.__pwned=1">';
const PATH_XSS = '<svg/onload=window.__pwned=1>';
const skip = chromiumMissing();

/** Polls from Node (the page's CSP forbids the string evaluation waitForFunction would need). */
describe('dashboard in Chromium', { skip }, () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  let b: TestBrowser;
  let admin: string;
  let tmp: string;
  const shots = process.env.PORTCULLIS_SCREENSHOTS;
  const shot = async (name: string) => {
    if (shots) await b.page.screenshot({ path: join(shots, `${name}.png`) });
  };

  before(async () => {
    await ensureWebBuilt();
    tmp = await mkdtemp(join(tmpdir(), 'portcullis-e2e-'));
    upstream = await startUpstream();
    gw = await startTestGateway(dashboardYaml(upstream.url, { token: TOKEN, blocks: true }));
    admin = gw.adminUrl!;
    b = await openBrowser();
  });
  after(async () => {
    await b?.close();
    await gw?.close();
    await upstream?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  test('a wrong token is refused; the right one signs in for this tab', async () => {
    const { page } = b;
    await page.goto(`${admin}/`);
    await page.getByLabel('Admin token').fill('not-the-admin-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'refused' }).waitFor();
    await shot('login');
    await page.getByLabel('Admin token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('portcullis.adminToken')), TOKEN);
    assert.deepEqual(await page.context().cookies(), [], 'no cookie: the token travels in a header');
    await page.reload();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  });

  test('live numbers move after traffic is sent', async () => {
    const { page } = b;
    await visit(page, `${admin}/#/overview`);
    const rps = page.getByTestId('tile-rps');
    await rps.waitFor();
    assert.equal(await rps.textContent(), '0.0');
    for (let i = 0; i < 60; i++) await fetch(`${gw.url}/items/${i}`); // no key: 60 denials
    // The gateway counts in 5-second buckets and the page shows finished ones: at most ~10 s.
    await until(async () => (await rps.textContent()) !== '0.0', 20_000, 100);
    assert.ok(Number(await rps.textContent()) > 0);
    await until(async () => (await page.getByTestId('tile-denied').textContent()) === '100.0 %', 5000, 100);
    await page.getByTestId('top-reasons').getByText('PCL_ERR_UNAUTHENTICATED').waitFor();
    await page.getByTestId('top-ips').getByText('127.0.0.1').waitFor();
    assert.equal(await page.locator('.chart canvas').count() >= 3, true);
    await shot('overview');
  });

  test('a key made in the dashboard works at the gateway; once revoked there, the next call is refused', async () => {
    const { page } = b;
    await visit(page, `${admin}/#/consumers`);
    await page.getByLabel('New consumer id').fill('mobile-app');
    await page.getByRole('button', { name: 'Add consumer' }).click();
    const card = page.locator('[data-consumer="mobile-app"]');
    await card.getByRole('button', { name: 'Create key' }).click();
    const key = await page.locator('#new-key-value').inputValue();
    assert.match(key, /^pcl_live_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}$/);
    await shot('consumers');
    assert.equal((await fetch(`${gw.url}/orders`, { headers: { 'x-api-key': key } })).status, 200);
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.locator('#new-key-value').count(), 0, 'the key is shown once');
    assert.ok(!(await page.content()).includes(key));

    const keyId = key.slice(0, 'pcl_live_'.length + 8);
    await card.getByRole('button', { name: `Revoke ${keyId}` }).click();
    await card.locator(`[data-key="${keyId}"] .badge-revoked`).waitFor();
    const deadline = Date.now() + 2000;
    let status = 0;
    while (Date.now() < deadline && (status = (await fetch(`${gw.url}/orders`, { headers: { 'x-api-key': key } })).status) === 200) await new Promise((r) => setTimeout(r, 50));
    assert.equal(status, 401, 'the gateway refuses the revoked key within the cache TTL');
  });

  test('security events filter by verdict and consumer; the detail shows a payload as text', async () => {
    const { page } = b;
    const made = await fetch(`${admin}/api/consumers/mobile-app/keys`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    const { key } = (await made.json()) as { key: string };
    const blocked = await fetch(`${gw.url}/search?q=${encodeURIComponent(`${XSS}' OR '1'='1' --`)}`, { headers: { 'x-api-key': key } });
    assert.equal(blocked.status, 403);
    // A payload in the path itself, sent raw (no client would encode it): the event keeps the path.
    const raw = await rawRequest(Number(new URL(gw.url).port), `GET /x/${PATH_XSS} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    assert.ok(raw.status >= 400 && raw.status < 500, raw.text);
    assert.equal((await fetch(`${gw.url}/ok`, { headers: { 'x-api-key': key } })).status, 200);
    await visit(page, `${admin}/#/events`);
    const rows = page.locator('table.events tbody tr');
    await page.locator('table.events').getByText('mobile-app').first().waitFor({ timeout: 10_000 });
    const all = await rows.count();
    assert.ok(all > 1, 'denials of several callers');
    await page.getByLabel('Consumer').fill('mobile-app');
    await page.getByLabel('Consumer').press('Enter');
    await until(async () => (await rows.count()) < all, 10_000, 100);
    assert.equal(await rows.count(), 1);
    assert.match((await rows.first().textContent()) ?? '', /mobile-app.*inspect.*PCL_ERR_ATTACK_DETECTED/);
    await page.getByLabel('Verdict').selectOption('allow');
    await page.getByText('No events match.').waitFor();
    await page.getByLabel('Verdict').selectOption('deny');
    await rows.first().getByRole('link').click();
    const detail = page.locator('article.detail');
    await detail.getByText('Request id').waitFor();
    assert.match((await detail.textContent()) ?? '', /PCL_ERR_ATTACK_DETECTED/);
    await shot('events');
    await page.getByLabel('Consumer').fill('');
    await page.getByLabel('Consumer').press('Enter');
    await page.locator('table.events code').filter({ hasText: PATH_XSS }).first().waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('main img, main svg[onload]').count(), 0);
    assert.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);
  });

  test('the observed OpenAPI draft downloads from the inventory page', async () => {
    const { page } = b;
    await visit(page, `${admin}/#/inventory`);
    await page.locator('table tbody tr').first().waitFor({ timeout: 10_000 });
    await shot('inventory');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download observed OpenAPI draft' }).click()]);
    assert.equal(download.suggestedFilename(), 'observed-openapi.json');
    const file = join(tmp, 'draft.json');
    await download.saveAs(file);
    const draft = JSON.parse(await readFile(file, 'utf8')) as { openapi?: string; paths?: Record<string, unknown> };
    assert.match(draft.openapi ?? '', /^3\./);
    assert.ok(Object.keys(draft.paths ?? {}).length > 0);
  });

  test('consumer names and report texts are shown as text: a payload never runs', async () => {
    const { page } = b;
    const made = await fetch(`${admin}/api/consumers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'xss-test', name: XSS }),
    });
    assert.equal(made.status, 200);
    await visit(page, `${admin}/#/consumers`);
    await page.locator('[data-consumer="xss-test"] h2').filter({ hasText: XSS }).waitFor();
    assert.equal(await page.locator('[data-consumer="xss-test"] img').count(), 0);
    assert.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);
  });

  test('an audit report opens grouped by OWASP category, most severe first', async () => {
    const { page } = b;
    const result = await runAudit({ spec: join(import.meta.dirname, '..', 'examples', 'demo', 'openapi.yaml') });
    const file = join(tmp, 'audit.json');
    await writeFile(file, renderJson(result, 'test'));
    await visit(page, `${admin}/#/reports`);
    await page.getByLabel('Report file').setInputFiles(file);
    await page.getByTestId('finding-count').filter({ hasText: `${result.findings.length} findings` }).waitFor();
    assert.equal(await page.getByTestId('score').textContent(), `score ${result.score}/100`);
    const categories = [...new Set(result.findings.map((f) => f.category))];
    assert.ok(categories.length > 0);
    for (const c of categories) {
      const group = page.locator(`[data-category="${c}"]`);
      const expected = result.findings.filter((f) => f.category === c).length;
      assert.equal(await group.locator('tbody tr').count(), expected, c);
    }
    await shot('reports');

    // The shape of `portcullis scan --format json` (src/scan/report/json.ts).
    const scan = join(tmp, 'scan.json');
    await writeFile(scan, JSON.stringify({
      reportVersion: 1,
      tool: { name: 'portcullis scan', version: 'test' },
      target: 'http://127.0.0.1:8080',
      findings: [
        { check: 'bola-read', title: 'Another user reads an object that is not theirs', category: 'API1:2023', severity: 'high', confidence: 'confirmed', cwe: 639, operation: 'GET /api/v2/orders/{orderId}', message: 'bob read alice\'s order 1', evidence: [], curl: '' },
        { check: 'bola-write', title: 'Another user changes an object', category: 'API1:2023', severity: 'critical', confidence: 'confirmed', cwe: 639, operation: 'PATCH /api/v2/orders/{orderId}', message: 'bob changed alice\'s order 1', evidence: [], curl: '' },
        { check: 'cors-any-origin', title: 'Any origin may read responses', category: 'API8:2023', severity: 'medium', confidence: 'firm', cwe: 942, operation: 'GET /api/v2/me', message: 'reflected origin', evidence: [], curl: '' },
      ],
    }));
    await page.getByLabel('Report file').setInputFiles(scan);
    await page.getByTestId('finding-count').filter({ hasText: '3 findings' }).waitFor();
    await page.getByText('portcullis scan', { exact: true }).waitFor();
    assert.equal(await page.locator('[data-category="API1:2023"] tbody tr').count(), 2);
    assert.match((await page.locator('[data-category="API1:2023"] tbody tr').first().textContent()) ?? '', /critical.*bola-write/, 'most severe first');
    assert.equal(await page.locator('[data-category="API8:2023"] tbody tr').count(), 1);

    const evil = join(tmp, 'evil.json');
    await writeFile(evil, JSON.stringify({ findings: [{ category: 'API8:2023', severity: 'high', rule: 'x', message: XSS }] }));
    await page.getByLabel('Report file').setInputFiles(evil);
    await page.locator('[data-category="API8:2023"] td').filter({ hasText: XSS }).waitFor();
    assert.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);

    const notJson = join(tmp, 'not.json');
    await writeFile(notJson, 'hello');
    await page.getByLabel('Report file').setInputFiles(notJson);
    await page.getByRole('alert').filter({ hasText: 'not JSON' }).waitFor();
  });

  test('pages whose data this gateway lacks say so instead of failing', async () => {
    const { page } = b;
    await visit(page, `${admin}/#/alerts`);
    await page.getByText(/no anomaly detector has fired|does not serve anomaly findings/i).waitFor();
  });

  test('a block is shown with a Lift button that lifts it', async () => {
    const { page } = b;
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const made = await fetch(`${admin}/api/blocks`, { method: 'POST', headers: auth, body: JSON.stringify({ key: 'consumer:mallory', seconds: 600 }) });
    assert.equal(made.status, 201);
    // A token subject without a consumer id is a kind of its own, shown as such.
    const subject = await fetch(`${admin}/api/blocks`, { method: 'POST', headers: auth, body: JSON.stringify({ key: 'subject:jwt https://idp.test mallory', seconds: 300 }) });
    assert.equal(subject.status, 201);
    await visit(page, `${admin}/#/alerts`);
    await page.getByTestId('blocks').getByText('mallory', { exact: true }).waitFor();
    const row = page.getByTestId('blocks').getByRole('row').filter({ hasText: 'jwt https://idp.test mallory' });
    await row.getByText('subject', { exact: true }).waitFor();
    await page.getByTestId('blocks').getByRole('row').filter({ hasText: /^mallory/ }).getByText('consumer', { exact: true }).waitFor();
    await shot('blocks');
    await page.getByRole('button', { name: 'Lift subject:jwt https://idp.test mallory' }).click();
    await page.getByRole('button', { name: 'Lift consumer:mallory' }).click();
    await page.getByText('Nobody is blocked.').waitFor();
    const { blocks } = (await (await fetch(`${admin}/api/blocks`, { headers: auth })).json()) as { blocks: unknown[] };
    assert.deepEqual(blocks, []);
  });

  test('signing out forgets the token; a token that stops working shows the login screen', async () => {
    const { page } = b;
    await visit(page, `${admin}/#/consumers`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin token').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('portcullis.adminToken')), null);
    await page.evaluate(() => sessionStorage.setItem('portcullis.adminToken', 'an-expired-admin-token'));
    await visit(page, `${admin}/#/consumers`);
    await page.reload();
    await page.getByLabel('Admin token').waitFor();
  });

  test('every page passes axe-core with no serious or critical violation (labels, contrast, names)', async () => {
    // A separate context that lets the checker's script in (the dashboard's CSP would refuse it).
    const context = await b.browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      const axe = join(import.meta.dirname, '..', 'node_modules', 'axe-core', 'axe.min.js');
      const check = async (name: string) => {
        await page.addScriptTag({ path: axe });
        const result = (await page.evaluate(() => (globalThis as unknown as { axe: { run(o: object): Promise<unknown> } }).axe.run({ runOnly: ['wcag2a', 'wcag2aa'] }))) as {
          violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
          passes: unknown[];
        };
        assert.ok(result.passes.length > 10, `axe checked ${name}`);
        const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${name}: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        assert.deepEqual(bad, []);
      };
      await page.goto(`${admin}/`);
      await page.getByLabel('Admin token').waitFor();
      await check('login');
      await page.evaluate((t) => sessionStorage.setItem('portcullis.adminToken', t), TOKEN);
      for (const name of ['overview', 'events', 'inventory', 'consumers', 'alerts', 'reports']) {
        await visit(page, `${admin}/#/${name}`);
        await page.locator('main h1').waitFor();
        await page.waitForLoadState('networkidle');
        await check(name);
      }
      // Keyboard: the first Tab reaches the navigation, and the focused link is visible.
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { tagName: string } } }).document.activeElement.tagName), 'A');
    } finally {
      await context.close();
    }
  });

  test('the CSP held, nothing ran inline, and no request left loopback', async () => {
    assert.ok(b.requests.length > 5);
    assert.deepEqual(b.requests.filter((u) => !isLoopback(u)), []);
    assert.deepEqual(b.problems, []);
  });
});
