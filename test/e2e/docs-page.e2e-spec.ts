import { mkdirSync } from 'fs';
import { join } from 'path';
import { BrowserContext, chromium } from 'playwright-core';
import { makeTempDir } from '../support/temp-dir';
import { TestApp, startTestApp } from '../support/test-app';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium';

const OUTPUT = join(__dirname, '..', 'output');

describe('/docs in Chromium (Swagger UI served from this process, nothing from the network)', () => {
  let app: TestApp;
  let browser: BrowserContext;
  const profile = makeTempDir('pll-chromium');
  beforeAll(async () => {
    app = await startTestApp();
    browser = await chromium.launchPersistentContext(profile.path, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 1600 },
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    profile.remove();
  });

  it('renders the routes with their roles, loading every asset from 127.0.0.1, without console errors', async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('pageerror', (error) => problems.push(error.message));
    const answer = await page.goto(`${app.url}/docs`);
    expect(answer?.status()).toBe(200);
    const route = page.locator('.opblock-summary-path[data-path="/v1/payouts/{orderId}"]');
    await route.first().waitFor({ state: 'visible', timeout: 20_000 });
    expect(await page.locator('.opblock-summary-path').count()).toBeGreaterThanOrEqual(14);
    await route.first().click();
    await page.getByText('Roles: bot, admin, auditor.').first().waitFor({ state: 'visible' });
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'docs.png'), fullPage: true });
    expect(requested.length).toBeGreaterThan(2);
    expect(requested.filter((url) => !url.startsWith(`${app.url}/`) && !url.startsWith('data:'))).toEqual([]);
    expect(problems).toEqual([]);
  }, 60_000);
});
