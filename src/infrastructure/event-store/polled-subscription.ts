import type { Logger } from '@nestjs/common';
import type { EventHandler, StoredEvent, Subscription } from '../../application/ports/event-store.port';
import { describeError } from '../../application/describe-error';
import type { ThrottledLog } from './throttled-log';

/** Reads the next page of the log strictly after a position (null: from the start). */
export type PageReader = (after: string | null) => Promise<StoredEvent[]>;

/**
 * Follows a log served by a database other processes also write: catch-up
 * and live delivery are one loop (read the page after the last delivered
 * position), so an event is neither skipped nor delivered twice. It is woken
 * by the store after local appends and by change notifications, and by a
 * timer in case a notification is lost. A failing read or handler leaves the
 * position where it was: the next wake-up retries the same event.
 */
export class PolledSubscription implements Subscription {
  private draining = false;
  private wakeRequested = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private position: string | null,
    private readonly handler: EventHandler,
    private readonly readPage: PageReader,
    pollIntervalMs: number,
    private readonly logger: Logger,
    private readonly outage: ThrottledLog,
    private readonly onClose: (subscription: PolledSubscription) => void,
  ) {
    this.timer = setInterval(() => this.wake(), pollIntervalMs);
    this.wake();
  }

  wake(): void {
    if (this.closed) {
      return;
    }
    if (this.draining) {
      this.wakeRequested = true;
      return;
    }
    this.draining = true;
    // Deferred so handlers never run inside the caller's append(), and a burst of wake-ups is served by one pass.
    setImmediate(() => void this.drain());
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.onClose(this);
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.wakeRequested = false;
        for (let page = await this.nextPage(); page.length > 0; page = await this.nextPage()) {
          for (const event of page) {
            if (this.closed) {
              return;
            }
            await this.handler(event);
            this.position = event.position;
          }
        }
      } while (this.wakeRequested);
    } catch (error) {
      this.logger.error(
        `Subscription handler failed after position ${this.position ?? 'start'}; retrying on the next poll`,
        error instanceof Error ? error.stack : String(error),
      );
    } finally {
      this.draining = false;
    }
  }

  private async nextPage(): Promise<StoredEvent[]> {
    if (this.closed) {
      return [];
    }
    try {
      const page = await this.readPage(this.position);
      this.outage.resolve('Subscription reads the event store again');
      return page;
    } catch (error) {
      // An outage can last hours: one line per interval, and the next poll retries.
      this.outage.report(`Subscription cannot read the event store (${describeError(error)}); retrying on the next poll`);
      return [];
    }
  }
}
