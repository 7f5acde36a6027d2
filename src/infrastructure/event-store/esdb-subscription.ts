import { START, excludeSystemEvents, type AllStreamSubscription, type EventStoreDBClient, type Position } from '@eventstore/db-client';
import type { Logger } from '@nestjs/common';
import type { EventHandler, Subscription } from '../../application/ports/event-store.port';
import { describeEsdbError } from './esdb-errors';
import { encodePosition, isAfter } from './esdb-positions';
import { isSystemEvent, type RecordedEventFilter } from './esdb-recorded-events';
import type { ThrottledLog } from './throttled-log';

export interface EsdbSubscriptionContext {
  client: EventStoreDBClient;
  events: RecordedEventFilter;
  /** Shared by the store: one line per interval while the server cannot be used, whoever notices. */
  outage: ThrottledLog;
  logger: Logger;
  resubscribeDelayMs: number;
}

/**
 * Catch-up subscription on $all that survives dropped connections: it is
 * re-opened from the last position whose handler call completed, and the
 * events at or before that position are skipped, so nothing is delivered
 * twice. A failing handler is treated the same way (logged, retried).
 */
export class EsdbSubscription implements Subscription {
  private closed = false;
  private current: AllStreamSubscription | null = null;
  private cancelPause: (() => void) | null = null;

  constructor(
    private readonly context: EsdbSubscriptionContext,
    private after: Position | null,
    private readonly handler: EventHandler,
    private readonly onClose: (subscription: EsdbSubscription) => void,
  ) {
    void this.run();
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.onClose(this);
    this.cancelPause?.();
    const current = this.current;
    if (current !== null) {
      await current.unsubscribe().catch(() => undefined);
      // Ends a `for await` still waiting for the next event.
      current.destroy();
    }
  }

  private async run(): Promise<void> {
    const { client, outage } = this.context;
    while (!this.closed) {
      const subscription = client.subscribeToAll({
        // fromPosition is exclusive on subscriptions, which is the port's meaning of `after`.
        fromPosition: this.after ?? START,
        filter: excludeSystemEvents(),
      });
      subscription.on('confirmation', () => outage.resolve('EventStoreDB answers again'));
      this.current = subscription;
      try {
        await this.deliver(subscription);
      } catch (error) {
        if (!this.closed) {
          outage.report(
            `Subscription to $all dropped after ${this.describeAfter()} (${describeEsdbError(error)}); resubscribing ` +
              `every ${this.context.resubscribeDelayMs} ms`,
          );
        }
      } finally {
        this.current = null;
        await subscription.unsubscribe().catch(() => undefined);
      }
      if (!this.closed) {
        await this.pause();
      }
    }
  }

  /** Returns when the handler failed (logged here); throws when the subscription itself failed. */
  private async deliver(subscription: AllStreamSubscription): Promise<void> {
    for await (const resolved of subscription) {
      if (this.closed) {
        return;
      }
      const recorded = resolved.event;
      if (recorded === undefined || isSystemEvent(recorded) || !isAfter(recorded.position, this.after)) {
        continue;
      }
      const event = this.context.events.accept(recorded);
      if (event !== null) {
        try {
          await this.handler(event);
        } catch (error) {
          this.context.logger.error(
            `Subscription handler failed on ${event.position}; resubscribing after ${this.describeAfter()}`,
            error instanceof Error ? error.stack : String(error),
          );
          return;
        }
      }
      this.after = recorded.position ?? this.after;
    }
  }

  private describeAfter(): string {
    return this.after === null ? 'start' : encodePosition(this.after);
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.context.resubscribeDelayMs);
      this.cancelPause = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
