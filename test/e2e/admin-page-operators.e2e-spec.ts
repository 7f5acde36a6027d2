import { mkdirSync } from 'fs';
import { resolve } from 'path';
import { Browser, Page, chromium } from 'playwright-core';
import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium';
import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';
import { KEYS } from '../support/test-app';

/**
 * What an operator needs from the admin page, in real headless Chromium at a
 * desktop and a phone width: nothing before sign-in, the orders that need a
 * person, a raw BOLT11 that does not widen the page, the 24 h charts, and the
 * sweep / reconcile / digest buttons. Screenshots go to test/output/admin-page/.
 */

const SCREENSHOTS = resolve(__dirname, '../output/admin-page');
const WIDTHS = [1280, 390];

describe('Admin page for operators (real headless Chromium, real app, sandbox wallet)', () => {
  let h: PayoutHarness;
  let browser: Browser;
  const pageErrors: string[] = [];
  const stuckOrder = 'ord_needs_a_person_with_a_rather_long_order_id_0001';

  const newPage = async (width: number): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    return page;
  };
  const shot = (page: Page, name: string) => page.screenshot({ path: resolve(SCREENSHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    h = await startPayoutHarness({ ESCALATE_AFTER_ATTEMPTS: '2' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    // One order a person must look at, and one paid to a raw BOLT11 (the widest thing a row can hold).
    h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'lnbits_520', lnbitsStatus: 'failed' }, times: 100 });
    await h.confirm(stuckOrder, 16_000, h.address('ivan'));
    await h.waitForStatus(stuckOrder, ['NEEDS_ATTENTION']);
    h.sandbox.lnbits.clearFaults();
    const invoice = mintInvoice({ network: 'regtest', amountMsat: 21_000_000, expirySeconds: 3600 });
    await h.confirm('ord_raw_bolt11', 21_000, invoice.bolt11);
    await h.waitForStatus('ord_raw_bolt11', ['SETTLED']);
    await h.projectionsCaughtUp();
  });
  afterAll(async () => {
    await browser?.close();
    await h.close();
  });
  afterEach(() => expect(pageErrors).toEqual([]));

  for (const width of WIDTHS) {
    it(`at ${width} px: only the sign-in before sign-in; then needs-a-person, no page wider than the screen, charts`, async () => {
      const page = await newPage(width);
      await page.goto(`${h.app.url}/admin`);
      await page.waitForSelector('#login-form');
      for (const hidden of ['#session', '#refresh', '#sign-out', '#dashboard']) expect(await page.isHidden(hidden)).toBe(true);
      await shot(page, `ops-${width}-01-sign-in`);

      await page.fill('#key', KEYS.admin);
      await page.click('#login-form button[type=submit]');
      await page.locator(`#needs tr[data-order="${stuckOrder}"]`).waitFor();
      expect(await page.textContent('#banner-attention')).toMatch(/1 payout\(s\) NEED A PERSON/);
      expect(await page.textContent('#needs-count')).toBe('1');
      await page.locator('#payouts tr[data-order="ord_raw_bolt11"]').waitFor();
      await page.locator('#chart-settled rect').first().waitFor();
      expect(await page.locator('#chart-settled rect').count()).toBeGreaterThanOrEqual(1);
      expect(await page.textContent('#chart-settled figcaption')).toMatch(/Settled per hour · 1 in 24 h/);
      expect(await page.textContent('#wallet-balance')).toMatch(/sats.* as of \d{4}-/);
      // The raw BOLT11 is shortened, whole in its title: the page is never wider than the screen.
      const destination = page.locator('#payouts tr[data-order="ord_raw_bolt11"] .short').first();
      expect((await destination.getAttribute('title'))!.startsWith('lnbcrt')).toBe(true);
      await shot(page, `ops-${width}-02-dashboard`);
      // Named, so a failure says what sticks out (tables scroll inside their panel, which is fine).
      const overflowing = await page.evaluate(
        `[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > ${width} && !e.closest('.body'))` +
          `.map((e) => e.tagName + '#' + e.id + '.' + e.className).slice(0, 5)`,
      );
      expect(overflowing).toEqual([]);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
      await page.context().close();
    });
  }

  it('sweep, reconcile and digest each ask first, then run and say what they did', async () => {
    const page = await newPage(1280);
    await page.goto(`${h.app.url}/admin`);
    await page.fill('#key', KEYS.admin);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#ops-panel button[data-op="sweep"]');
    const digestsBefore = (await h.auditor('GET', '/v1/audit/digests?limit=100')).body.digests.length;
    for (const [op, said] of [
      ['sweep', /^Sweep: \d+ examined/],
      ['reconcile', /^Reconciliation: \d+ wallet payments, \d+ matched/],
      ['digest', /^Digest recorded: root [0-9a-f]{16}… over/],
    ] as const) {
      await page.click(`#ops-panel button[data-op="${op}"]`);
      await page.waitForSelector('#confirm[open]');
      // Backing out runs nothing.
      await page.click('#confirm-no');
      await page.waitForSelector('#confirm:not([open])', { state: 'attached' });
      await page.click(`#ops-panel button[data-op="${op}"]`);
      await page.click('#confirm-yes');
      // A function, not a string: the page's CSP forbids eval.
      await page.waitForFunction(
        (pattern: string) => new RegExp(pattern).test((globalThis as any).document.getElementById('ops-result').textContent ?? ''),
        said.source,
      );
    }
    expect((await h.admin('GET', '/v1/admin/reconciliation')).status).toBe(200);
    expect((await h.auditor('GET', '/v1/audit/digests?limit=100')).body.digests.length).toBe(digestsBefore + 1);
    await shot(page, 'ops-1280-03-run-now');
    await page.context().close();
  });
});
