import { INestApplication, LoggerService } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { AddressInfo } from 'net';
import { AppModule } from '../../src/app.module';
import { Clock } from '../../src/application/ports/clock.port';
import { EVENT_STORE, EventStore, StoredEvent } from '../../src/application/ports/event-store.port';
import { MAX_BODY_BYTES } from '../../src/infrastructure/bootstrap/create-app';
import { APP_CONFIG, AppConfig } from '../../src/infrastructure/config/app-config';
import { WebhookModule } from '../../src/infrastructure/webhook/webhook.module';
import { WEBHOOK_OPTIONS, WebhookOptions, webhookOptionsFrom } from '../../src/infrastructure/webhook/webhook.options';
import { WebhookService } from '../../src/infrastructure/webhook/webhook.service';
import { makeTempDir } from './temp-dir';
import { testConfig } from './test-app';

/** Every line the app logged, to check what it says (and that it never says the secret). */
export class CapturingLogger implements LoggerService {
  readonly lines: { level: string; text: string }[] = [];
  private waiters: { pattern: RegExp; resolve: (text: string) => void }[] = [];
  log = (...parts: unknown[]) => this.push('log', parts);
  error = (...parts: unknown[]) => this.push('error', parts);
  warn = (...parts: unknown[]) => this.push('warn', parts);
  debug = (...parts: unknown[]) => this.push('debug', parts);
  verbose = (...parts: unknown[]) => this.push('verbose', parts);
  fatal = (...parts: unknown[]) => this.push('fatal', parts);

  /** Resolves with the first line (already logged or logged later) matching `pattern`. */
  waitFor(pattern: RegExp): Promise<string> {
    const line = this.lines.find((l) => pattern.test(l.text));
    if (line) return Promise.resolve(line.text);
    return new Promise((resolve) => this.waiters.push({ pattern, resolve }));
  }

  private push(level: string, parts: unknown[]): void {
    const text = parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' ');
    this.lines.push({ level, text });
    const matched = this.waiters.filter((w) => w.pattern.test(text));
    this.waiters = this.waiters.filter((w) => !matched.includes(w));
    for (const waiter of matched) waiter.resolve(text);
  }
}

export interface WebhookTestApp {
  app: INestApplication;
  url: string;
  config: AppConfig;
  dataDir: string;
  store: EventStore;
  webhooks: WebhookService;
  logger: CapturingLogger;
  close(): Promise<void>;
}

/**
 * The real app (AppModule, real SQLite in a temp dir, HTTP on 127.0.0.1),
 * like startTestApp, plus WebhookModule with test timings (short backoff,
 * timeout, give-up window) through its WEBHOOK_OPTIONS provider.
 *
 * WebhookModule is imported next to AppModule: Nest keeps one instance of a
 * static module, so this works the same before and after AppModule imports
 * it itself.
 */
export async function startWebhookTestApp(
  options: { env?: Record<string, string>; clock?: Clock; dataDir?: string; webhook?: Partial<WebhookOptions> } = {},
): Promise<WebhookTestApp> {
  const temp = options.dataDir ? null : makeTempDir('pll-webhook');
  const dataDir = options.dataDir ?? temp!.path;
  // No scheduled sweep during a test: nothing but the test appends to its payouts.
  const config = testConfig(dataDir, { FALLBACK_CRON: '0 0 1 1 *', ...options.env });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot({ config, clock: options.clock }), WebhookModule] })
    .overrideProvider(WEBHOOK_OPTIONS)
    .useFactory({ factory: (appConfig: AppConfig) => webhookOptionsFrom(appConfig, Math.random, options.webhook), inject: [APP_CONFIG] })
    .compile();
  const logger = new CapturingLogger();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger });
  app.useBodyParser('json', { limit: MAX_BODY_BYTES });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    config,
    dataDir,
    store: app.get<EventStore>(EVENT_STORE),
    webhooks: app.get(WebhookService),
    logger,
    async close() {
      await app.close();
      temp?.remove();
    },
  };
}

/** Resolves with the first event of `stream` matching `predicate` (already stored or appended later). */
export function waitForEvent(store: EventStore, stream: string, predicate: (event: StoredEvent) => boolean): Promise<StoredEvent> {
  return new Promise((resolve) => {
    const subscription = store.subscribe({ after: null }, (event) => {
      if (event.stream === stream && predicate(event)) {
        void subscription.close();
        resolve(event);
      }
    });
  });
}

/** Every event of one stream, in order. */
export async function readStreamEvents(store: EventStore, stream: string): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const event of store.readStream(stream)) events.push(event);
  return events;
}
