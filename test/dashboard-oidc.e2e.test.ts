// Single sign-on to the dashboard in a real browser (Debian's Chromium) against a real gateway and a
// real OpenID Connect provider: the authorization code flow with PKCE, the ID token as the tab's
// credential, the user's name shown, a user without an allowed role refused, a forged answer refused,
// and no CSP violation on the way (the provider's origin is the only one the page may call).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chromiumMissing, openBrowser, visit, type TestBrowser } from './helpers/browser.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startOidcProvider, type OidcProvider } from './helpers/oidc-provider.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';
import { dashboardYaml, ensureWebBuilt } from './helpers/web.ts';

const skip = chromiumMissing();

describe('dashboard single sign-on in Chromium', { skip }, () => {
  let provider: OidcProvider;
  let upstream: TestUpstream;
  let gw: TestGateway;
  let b: TestBrowser;
  const redirectUris: string[] = [];

  before(async () => {
    await ensureWebBuilt();
    provider = await startOidcProvider('portcullis-dashboard', redirectUris);
    upstream = await startUpstream();
    const oidc = `  oidc:\n    issuer: ${provider.issuer}\n    clientId: portcullis-dashboard\n    roles: [portcullis-admin]\n`;
    gw = await startTestGateway(dashboardYaml(upstream.url).replace('admin:\n  port: 0\n', `admin:\n  port: 0\n${oidc}`));
    redirectUris.push(`${gw.adminUrl}/`);
    b = await openBrowser();
  });
  after(async () => {
    await b?.close();
    await gw?.close();
    await upstream?.close();
    await provider?.close();
  });

  const ssoButton = () => b.page.getByRole('button', { name: `Sign in with ${new URL(provider.issuer).host}` });

  test('sign in at the provider and land on the dashboard as that user', async () => {
    const { page } = b;
    provider.user = { sub: 'alice', name: 'Alice Admin', roles: ['portcullis-admin'] };
    await visit(page, `${gw.adminUrl}/#/events`);
    assert.equal(await page.getByLabel('Admin token').count(), 0, 'no admin token configured: no token form');
    await ssoButton().click();
    await page.getByRole('heading', { name: 'Security events' }).waitFor();
    assert.equal(await page.getByTestId('signed-in-user').textContent(), 'Alice Admin');
    assert.equal(new URL(page.url()).search, '', 'the code left the address bar');
    const credential = await page.evaluate(() => sessionStorage.getItem('portcullis.adminToken'));
    assert.match(credential ?? '', /^[\w-]+\.[\w-]+\.[\w-]+$/, 'the ID token is the tab\'s credential');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('portcullis.oidcFlow')), null, 'the PKCE verifier is gone');
    assert.deepEqual(await page.context().cookies(), []);
    assert.deepEqual(provider.tokenRequests.at(-1), { ok: true });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await ssoButton().waitFor();
  });

  test('a provider user without an allowed role is refused', async () => {
    const { page } = b;
    provider.user = { sub: 'bob', name: 'Bob', roles: ['viewer'] };
    await visit(page, `${gw.adminUrl}/`);
    await ssoButton().click();
    await page.getByRole('alert').filter({ hasText: 'none of your roles is allowed' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('portcullis.adminToken')), null);
  });

  test('an answer this tab did not ask for is refused, and a code is good once', async () => {
    const { page } = b;
    await visit(page, `${gw.adminUrl}/?code=forged&state=forged`);
    await page.getByRole('alert').filter({ hasText: 'not asked for by this tab' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('portcullis.adminToken')), null);
    assert.deepEqual(b.problems, [], 'no CSP violation or page error');
  });
});
