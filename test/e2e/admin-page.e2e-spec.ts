import { mkdirSync } from 'fs';
import { resolve } from 'path';
import { Browser, Page, chromium } from 'playwright-core';
import { PayoutStatus } from '../../src/domain/payout/payout-status';
import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';
import { KEYS } from '../support/test-app';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium';

/**
 * The admin page in real headless Chromium (Debian's `chromium` package; no
 * browser download) against the real app and the sandbox wallet: a wrong key
 * is refused, an order stuck after a Cloudflare 520 shows with its reason,
 * its timeline opens, and a confirmed retry settles it on the page.
 * Screenshots of each step go to test/output/admin-page/ (not committed).
 */

const SCREENSHOTS = resolve(__dirname, '../output/admin-page');
const DONE: PayoutStatus[] = ['SETTLED', 'FAILED', 'NEEDS_ATTENTION', 'CANCELLED'];

/** Waits until the element's text contains `text` (the page re-renders on its own refresh). */
const textIn = (page: Page, selector: string, text: string) => page.locator(selector, { hasText: text }).waitFor();

describe('Admin page (real headless Chromium, real app, sandbox wallet)', () => {
  let h: PayoutHarness;
  let browser: Browser;
  const pageErrors: string[] = [];

  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 1000 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      // Failed API calls (401 for the wrong key, 404 for a panel not yet served) are logged by Chromium and expected.
      if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) pageErrors.push(message.text());
    });
    return page;
  };
  const shot = (page: Page, name: string) => page.screenshot({ path: resolve(SCREENSHOTS, `${name}.png`), fullPage: true });
  const signIn = async (page: Page, key: string) => {
    await page.goto(`${h.app.url}/admin`);
    await page.fill('#key', key);
    await page.click('#login-form button[type=submit]');
  };

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    // The harness's short grace (1 s) and few in-process tries leave an order hit by a Cloudflare 520 in the fallback view.
    h = await startPayoutHarness();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
    });
  });
  afterAll(async () => {
    await browser?.close();
    expect(await h.invariantViolations()).toEqual([]);
    await h.close();
  });
  afterEach(() => expect(pageErrors).toEqual([]));

  it('serves the page without a key, with a strict CSP, and nothing else under /admin', async () => {
    const page = await fetch(`${h.app.url}/admin`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('/admin/admin-page.js');
    expect((await fetch(`${h.app.url}/admin/admin-page.js`)).headers.get('content-type')).toMatch(/javascript/);
    const other = await fetch(`${h.app.url}/admin/..%2Fpackage.json`);
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ statusCode: 404, code: 'not_found' });
  });

  it('wrong key -> error; admin key -> the queued order and why; its timeline; retry (confirmed) -> SETTLED on the page', async () => {
    const orderId = 'ord_admin_page_1';
    h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'cloudflare', paid: false } });
    expect((await h.confirm(orderId, 21000, h.address('alice'))).status).toBe(201);
    expect((await h.waitForStatus(orderId, ['RETRY_QUEUED', ...DONE])).status).toBe('RETRY_QUEUED');
    await h.projectionsCaughtUp();
    const { lastError } = (await h.admin('GET', `/v1/payouts/${orderId}`)).body as { lastError: string };
    expect(lastError).toBeTruthy();

    const page = await newPage();
    await page.goto(`${h.app.url}/admin`);
    await page.waitForSelector('#login-form');
    await shot(page, '01-sign-in');

    await signIn(page, 'not-a-real-key');
    await page.waitForSelector('#login-error:not([hidden])');
    expect(await page.textContent('#login-error')).toMatch(/not accepted \(unknown_api_key\)/);
    expect(await page.isHidden('#dashboard')).toBe(true);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await shot(page, '02-wrong-key');

    await signIn(page, KEYS.bot);
    await textIn(page, '#login-error', 'not an admin key');

    // An admin key that is also an auditor key: the timeline shows the ledger's events.
    await signIn(page, KEYS.both);
    const row = page.locator(`#queue tr[data-order="${orderId}"]`);
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toBe('RETRY_QUEUED');
    expect(await row.locator('td.why').textContent()).toBe(lastError);
    expect(await page.textContent('#queue-count')).toBe('1');
    expect(await page.evaluate("sessionStorage.getItem('pll-admin-key')")).toBe(KEYS.both);
    // Panels whose endpoint this server lacks say so; those it has are filled in.
    const missing = [
      ['#stats', '/v1/admin/stats', /statistics endpoint is not available/],
      ['#reconciliation', '/v1/admin/reconciliation', /No reconciliation report is available/],
    ] as const;
    for (const [panel, path, unavailable] of missing) {
      const text = await page.textContent(panel);
      if ((await h.admin('GET', path)).status === 404) expect(text).toMatch(unavailable);
      else expect(text).not.toMatch(unavailable);
    }
    expect(await page.textContent('#voltz')).toMatch(/Breaker\s*closed/);
    expect(await page.textContent('#voltz')).toMatch(/Cloudflare/);
    await shot(page, '03-queued-order');

    await row.locator('button[data-action=timeline]').click();
    await page.waitForSelector('#timeline-events li[data-type="PixConfirmed"]');
    const types = await Promise.all((await page.locator('#timeline-events li').all()).map((li) => li.getAttribute('data-type')));
    expect(types.slice(0, 5)).toEqual(['PixConfirmed', 'DestinationSubmitted', 'AddressResolved', 'PaymentAttempted', 'Payment520']);
    expect(await page.getAttribute('#timeline-status', 'data-status')).toBe('RETRY_QUEUED');
    await shot(page, '04-timeline');

    // Backing out of the confirmation does nothing.
    await row.locator('button[data-action=retry]').click();
    await page.waitForSelector('#confirm[open]');
    expect(await page.textContent('#confirm-text')).toContain(orderId);
    await shot(page, '05-confirm-retry');
    await page.click('#confirm-no');
    expect(await page.isVisible('#confirm')).toBe(false);
    expect((await h.events(orderId)).some((e) => e.type === 'RetryRequested' || e.metadata.actor === 'admin')).toBe(false);

    await row.locator('button[data-action=retry]').click();
    await page.click('#confirm-yes');
    await page.waitForSelector('#timeline-status[data-status="SETTLED"]', { timeout: 20_000 });
    expect((await h.waitForStatus(orderId, DONE)).status).toBe('SETTLED');
    await textIn(page, '#queue', 'Nothing is stuck.');
    expect(await page.textContent('#queue-count')).toBe('0');
    await page.waitForSelector('#timeline-events li[data-type="PaymentSettled"]');
    await shot(page, '06-settled');
    await page.context().close();
  });

  it('renders what comes from outside as text: markup in a wallet answer is shown, never parsed', async () => {
    const markup = '<img id="injected" src="x"><b id="injected-b">bold</b>';
    h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'lnbits_520', lnbitsStatus: 'failed', detail: markup } });
    await h.confirm('ord_admin_page_markup', 1000, h.address('dave'));
    await h.waitForStatus('ord_admin_page_markup', DONE);
    const page = await newPage();
    await signIn(page, KEYS.both);
    await textIn(page, '#voltz', markup);
    expect(await page.locator('#injected, #injected-b').count()).toBe(0);
    await page.context().close();
  });

  it('an admin-only key sees the payout but is told the event history needs an auditor key; search by orderId', async () => {
    const page = await newPage();
    await signIn(page, KEYS.admin);
    await page.waitForSelector('#dashboard:not([hidden])');
    await page.fill('#order-search', 'ord_admin_page_1');
    await page.click('#payouts-form button[type=submit]');
    const row = page.locator('#payouts tr[data-order="ord_admin_page_1"]');
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toBe('SETTLED');
    await row.locator('button[data-action=timeline]').click();
    await page.waitForSelector('#timeline-status[data-status="SETTLED"]');
    expect(await page.textContent('#timeline-events')).toMatch(/needs a key that is also an auditor key/);
    await page.fill('#order-search', 'ord_missing');
    await page.click('#payouts-form button[type=submit]');
    await textIn(page, '#payouts', 'No payout with order id “ord_missing”');
    await shot(page, '07-admin-only-key');
    await page.context().close();
  });
});
