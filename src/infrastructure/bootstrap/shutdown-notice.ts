import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';

/**
 * One line when the service starts to stop, so an operator reading the log
 * after a restart sees that it was asked to (a signal), not that it died.
 */
@Injectable()
export class ShutdownNotice implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Main');

  beforeApplicationShutdown(signal?: string): void {
    this.logger.log({
      msg: `pix-lightning-ledger shutting down${signal ? ` on ${signal}` : ''}: in-flight work finishes, stores close`,
      signal: signal ?? null,
    });
  }
}
