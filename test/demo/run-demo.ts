import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '../../src/application/ports/event-store.port';
import { createApp } from '../../src/infrastructure/bootstrap/create-app';
import { SANDBOX_API_KEYS, loadConfig } from '../../src/infrastructure/config/load-config';
import { LIGHTNING_TARGET, type LightningTarget } from '../../src/infrastructure/lightning/lightning-target';
import { ProjectionRunner } from '../../src/infrastructure/projections/projection-runner';
import { payoutStreamName, webhookStreamName } from '../../src/domain/streams/stream-names';
import { formatTimelineEvent, shortHash } from '../../src/infrastructure/cli/event-timeline';
import { WebhookReceiver, type ReceivedWebhook } from '../support/webhook-receiver';

/**
 * `npm run demo`: the whole payout flow against the sandbox, in one process,
 * in a few seconds, over real HTTP on 127.0.0.1.
 *
 *  1. The service starts in sandbox mode (no VOLTZ_URL: a simulated LNbits
 *     wallet and Lightning Address server on loopback) with a temp DATA_DIR,
 *     and a bot webhook receiver that checks signatures like the bot does.
 *  2. The sandbox wallet is told, through its fault API, to pay the next
 *     payment but answer with a Cloudflare 520 page (and to answer the next
 *     status check with one too): the service cannot know whether money moved.
 *  3. The bot confirms a PIX with a Lightning Address. The service resolves it,
 *     claims, pays, gets the 520, checks once in-process, gives up and parks
 *     the order in the fallback view (RETRY_QUEUED); the bot is notified.
 *  4. An admin runs the fallback sweep: the status check finds the payment
 *     made, and the order is SETTLED without paying again; the bot is notified.
 *  5. The audit trail of the order, the webhook audit and the wallet's ground
 *     truth are printed. Everything is closed; exit code 0.
 *
 * DEMO_LOGS=1 also shows the service's own JSON logs.
 */
const WEBHOOK_SECRET = 'demo-webhook-secret-0123456789';
const ORDER_ID = `demo-${Date.now().toString(36)}`;
const AMOUNT_SATS = 21_000;
const DEADLINE_MS = 25_000;

const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const dim = (text: string) => (process.stdout.isTTY ? `\x1b[2m${text}\x1b[0m` : text);
const step = (n: number, text: string) => console.log(`\n${bold(`${n}. ${text}`)}`);
const say = (text: string) => console.log(`   ${text}`);

const dataDir = mkdtempSync(join(tmpdir(), 'pix-lightning-demo-'));

async function main(): Promise<void> {
  const startedAt = Date.now();
  let app: INestApplication | null = null;
  let receiver: WebhookReceiver | null = null;
  try {
    step(1, 'Start the service in sandbox mode, and the bot’s webhook receiver');
    receiver = await WebhookReceiver.start(WEBHOOK_SECRET);
    const config = loadConfig({
      DATA_DIR: dataDir,
      BOT_WEBHOOK_URL: receiver.url,
      BOT_WEBHOOK_SECRET: WEBHOOK_SECRET,
      // Two quick in-process tries, then the fallback view; the cron never fires during the demo: the admin sweeps.
      PAYMENT_RETRY_ATTEMPTS: '2',
      PAYMENT_RETRY_BASE_MS: '100',
      FALLBACK_CRON: '0 0 1 1 *',
    });
    app = await createApp({ config, logger: process.env.DEMO_LOGS === '1' ? undefined : false });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const baseUrl = `http://127.0.0.1:${port}`;
    const sandbox = app.get<LightningTarget>(LIGHTNING_TARGET).sandbox;
    if (!sandbox) throw new Error('expected sandbox mode');
    const store = app.get<EventStore>(EVENT_STORE);
    const runner = app.get(ProjectionRunner);
    say(`service          ${baseUrl}  (DATA_DIR ${dataDir})`);
    say(`sandbox LNbits   ${sandbox.lnbitsUrl}`);
    say(`Lightning Addr.  <user>@${sandbox.addressDomain} -> ${sandbox.lnurlBaseUrl}`);
    say(`bot webhooks  -> ${receiver.url.replace(/\?.*$/, '')}`);

    const api = async (method: string, path: string, key: string, body?: unknown) => {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json()) as any;
      if (res.status >= 400) throw new Error(`${method} ${path} -> ${res.status} ${JSON.stringify(json)}`);
      return { status: res.status, body: json };
    };
    const sandboxApi = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${sandbox.lnbitsUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await res.json()) as any;
    };
    const settledOrQueued = (status: string[]) =>
      new Promise<void>((resolve) => {
        const subscription = store.subscribe({ after: null }, async (event) => {
          if (event.stream !== payoutStreamName(ORDER_ID)) return;
          const { body } = await api('GET', `/v1/payouts/${ORDER_ID}`, SANDBOX_API_KEYS.bot);
          if (status.includes(body.status)) {
            void subscription.close();
            resolve();
          }
        });
      });

    step(2, 'Inject faults through the sandbox fault API');
    await sandboxApi('POST', '/sandbox/faults', { endpoint: 'pay', fault: { kind: 'cloudflare', paid: true } });
    say('POST /sandbox/faults  pay: Cloudflare 520 HTML page, AFTER the wallet paid (the answer is lost, the money moved)');
    await sandboxApi('POST', '/sandbox/faults', { endpoint: 'status', fault: { kind: 'cloudflare' } });
    say('POST /sandbox/faults  status: the next status check gets a Cloudflare 520 page too');

    step(3, 'The bot confirms a PIX with a Lightning Address');
    const queued = settledOrQueued(['RETRY_QUEUED', 'SETTLED', 'FAILED', 'NEEDS_ATTENTION']);
    const created = await api('POST', '/v1/payouts', SANDBOX_API_KEYS.bot, {
      orderId: ORDER_ID,
      pix: { endToEndId: `E${Date.now()}${'0'.repeat(18)}`.slice(0, 32), amountCents: 5_000, paidAt: new Date().toISOString() },
      amountSats: AMOUNT_SATS,
      destination: `alice@${sandbox.addressDomain}`,
    });
    say(
      `POST /v1/payouts -> ${created.status} ${created.body.status}  order ${ORDER_ID}, ${AMOUNT_SATS} sats to ` +
        `alice@${sandbox.addressDomain}`,
    );
    await queued;
    await runner.waitFor((await store.headPosition())!);
    const afterFault = await api('GET', `/v1/payouts/${ORDER_ID}`, SANDBOX_API_KEYS.bot);
    say(
      `GET /v1/payouts/${ORDER_ID} -> ${afterFault.body.status}, attempts ${afterFault.body.attempts}, lastError ` +
        `"${afterFault.body.lastError}"`,
    );
    const view = await api('GET', '/v1/admin/fallback-queue', SANDBOX_API_KEYS.admin);
    for (const item of view.body.items)
      say(`fallback view: ${item.orderId} ${item.status}, ${item.attempts} attempt(s), next attempt ${item.nextAttemptAt}`);
    const retryHook = await receiver.next(ORDER_ID, 'payout.retry_queued');
    say(
      `webhook received: ${retryHook.body.type}, signature ${retryHook.signatureValid ? 'VALID' : 'INVALID'} ` +
        `(${String(retryHook.headers['x-signature']).slice(0, 28)}…)`,
    );

    step(4, 'An admin runs the fallback sweep once the order is due');
    const due = Math.max(...view.body.items.map((item: { nextAttemptAt: string }) => Date.parse(item.nextAttemptAt)));
    const waitMs = Math.max(0, due - Date.now() + 20);
    if (waitMs > 0) say(dim(`(waiting ${waitMs} ms until it is due)`));
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    const sweep = await api('POST', '/v1/admin/fallback/sweep', SANDBOX_API_KEYS.admin);
    say(`POST /v1/admin/fallback/sweep -> ${JSON.stringify(sweep.body)}`);
    const settledHook = await receiver.next(ORDER_ID, 'payout.settled');
    say(
      `webhook received: ${settledHook.body.type}, signature ${settledHook.signatureValid ? 'VALID' : 'INVALID'}, ` +
        `t=${settledHook.timestamp}`,
    );
    say(dim(`  body: ${settledHook.raw.length > 220 ? `${settledHook.raw.slice(0, 220)}…` : settledHook.raw}`));
    const final = await api('GET', `/v1/payouts/${ORDER_ID}`, SANDBOX_API_KEYS.bot);
    say(`GET /v1/payouts/${ORDER_ID} -> ${final.body.status}, preimage ${shortHash(final.body.preimage)}, fee ${final.body.feeMsat} msat`);

    step(5, `Audit trail of payout-${ORDER_ID} (GET /v1/audit/payouts/${ORDER_ID}/events)`);
    const trail = await api('GET', `/v1/audit/payouts/${ORDER_ID}/events`, SANDBOX_API_KEYS.auditor);
    for (const event of trail.body.events) console.log(formatTimelineEvent(event, dim));
    await waitForWebhookAudit(store, 2);
    const webhookTrail: any[] = [];
    for await (const event of store.readStream(webhookStreamName(ORDER_ID))) webhookTrail.push(event);
    console.log(`\n   ${bold(webhookStreamName(ORDER_ID))}`);
    for (const event of webhookTrail) console.log(formatTimelineEvent(event, dim));

    const payments = ((await sandboxApi('GET', '/sandbox/payments')) as any[]).filter((p) => p.amountMsat === AMOUNT_SATS * 1000);
    console.log(`\n   ${bold('Wallet ground truth')} (GET /sandbox/payments): ${payments.length} payment(s) of ${AMOUNT_SATS} sats`);
    for (const p of payments) say(`${shortHash(p.paymentHash)} ${p.status}, fee ${p.feeMsat} msat`);
    const received = receiver.requests((w: ReceivedWebhook) => w.body.orderId === ORDER_ID);
    say(`bot received ${received.length} webhook(s), all signatures valid: ${received.every((w) => w.signatureValid)}`);

    const ok =
      final.body.status === 'SETTLED' &&
      payments.length === 1 &&
      payments[0].status === 'success' &&
      received.every((w) => w.signatureValid);
    console.log(
      `\n${bold(ok ? 'Paid exactly once, through the fallback view.' : 'UNEXPECTED OUTCOME')} ` +
        `${dim(`(${((Date.now() - startedAt) / 1000).toFixed(1)} s)`)}`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    await app?.close();
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The webhook audit events are appended once each delivery is recorded. */
async function waitForWebhookAudit(store: EventStore, count: number): Promise<void> {
  for (let waited = 0; waited < 5_000; waited += 50) {
    let seen = 0;
    for await (const _ of store.readStream(webhookStreamName(ORDER_ID))) seen++;
    if (seen >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const deadline = setTimeout(() => {
  console.error(`demo did not finish within ${DEADLINE_MS / 1000} s`);
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(1);
}, DEADLINE_MS);
deadline.unref();

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    // Everything was closed above; leave no straggling timer or socket behind either.
    process.exit(process.exitCode ?? 0);
  });
