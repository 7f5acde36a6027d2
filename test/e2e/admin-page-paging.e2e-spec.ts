import { mkdirSync } from 'fs';
import { resolve } from 'path';
import { Browser, Page, chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium';
import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';
import { KEYS } from '../support/test-app';

/**
 * The admin page's payouts list with more payouts than one page holds, in
 * real headless Chromium at a desktop and a phone width: newest first, the
 * total, and Older / Newer down to the oldest and back. Screenshots go to
 * test/output/admin-page/.
 */

const SCREENSHOTS = resolve(__dirname, '../output/admin-page');
const WIDTHS = [1280, 390];
const PAYOUTS = 120;
/** Zero-padded, so the order id, which breaks ties of creation time, sorts like the creation order. */
const orderId = (n: number) => `ord_paging_${String(n).padStart(3, '0')}`;

describe('Admin page paging through 120 payouts (real headless Chromium, real app)', () => {
  let h: PayoutHarness;
  let browser: Browser;
  const pageErrors: string[] = [];

  const shot = (page: Page, name: string) => page.screenshot({ path: resolve(SCREENSHOTS, `${name}.png`), fullPage: true });
  const shownOrderIds = (page: Page) =>
    page.locator('#payouts tr[data-order]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-order')));
  /** Waits until the list shows the page whose first row is `first`, then answers every order id on it. */
  const pageStartingWith = async (page: Page, first: string): Promise<string[]> => {
    await page.locator(`#payouts tr[data-order]:first-child[data-order="${first}"]`).waitFor();
    return (await shownOrderIds(page)) as string[];
  };
  const newest = (from: number, count: number) => Array.from({ length: count }, (_, i) => orderId(from - i));

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    h = await startPayoutHarness();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    // No destination: each stays AWAITING_DESTINATION, one row each, nothing paid.
    for (let n = 0; n < PAYOUTS; n++) expect((await h.confirm(orderId(n), 1_000 + n)).status).toBe(201);
    await h.projectionsCaughtUp();
  });
  afterAll(async () => {
    await browser?.close();
    await h.close();
  });
  afterEach(() => expect(pageErrors).toEqual([]));

  for (const width of WIDTHS) {
    it(`at ${width} px: the newest first with the total, Older down to the oldest, Newer back`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`${h.app.url}/admin`);
      await page.fill('#key', KEYS.admin);
      await page.click('#login-form button[type=submit]');

      expect(await pageStartingWith(page, orderId(119))).toEqual(newest(119, 50));
      expect(await page.textContent('#payouts-total')).toBe('1–50 of 120 payouts, newest first');
      expect(await page.textContent('#payouts-count')).toBe('120');
      expect(await page.isDisabled('#payouts-newer')).toBe(true);
      await shot(page, `paging-${width}-01-newest`);

      await page.click('#payouts-older');
      expect(await pageStartingWith(page, orderId(69))).toEqual(newest(69, 50));
      expect(await page.textContent('#payouts-total')).toBe('51–100 of 120 payouts, newest first');

      await page.click('#payouts-older');
      expect(await pageStartingWith(page, orderId(19))).toEqual(newest(19, 20));
      expect(await page.textContent('#payouts-total')).toBe('101–120 of 120 payouts, newest first');
      expect(await page.isDisabled('#payouts-older')).toBe(true);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
      await shot(page, `paging-${width}-02-oldest`);
      await page.locator('#payouts-panel').screenshot({ path: resolve(SCREENSHOTS, `paging-${width}-03-oldest-panel.png`) });

      await page.click('#payouts-newer');
      expect(await pageStartingWith(page, orderId(69))).toEqual(newest(69, 50));
      await page.click('#payouts-newer');
      expect(await pageStartingWith(page, orderId(119))).toEqual(newest(119, 50));
      expect(await page.isDisabled('#payouts-newer')).toBe(true);
      await context.close();
    });
  }

  it('keeps its place while payouts arrive: an older page never repeats a row, and the total counts the newcomer', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${h.app.url}/admin`);
    await page.fill('#key', KEYS.admin);
    await page.click('#login-form button[type=submit]');
    await pageStartingWith(page, orderId(119));
    await page.click('#payouts-older');
    await pageStartingWith(page, orderId(69));

    expect((await h.confirm(orderId(120), 5_000)).status).toBe(201);
    await h.projectionsCaughtUp();
    await page.click('#refresh');
    await page.waitForFunction(() => (globalThis as any).document.getElementById('payouts-total')?.textContent?.includes('of 121'));
    expect(await shownOrderIds(page)).toEqual(newest(69, 50));

    await page.click('#payouts-older');
    expect(await pageStartingWith(page, orderId(19))).toEqual(newest(19, 20));
    await page.click('#payouts-newer');
    await page.click('#payouts-newer');
    expect(await pageStartingWith(page, orderId(120))).toEqual(newest(120, 50));
    await context.close();
  });
});
