import type {
  AppendResult,
  EventHandler,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
  Subscription,
} from '../../application/ports/event-store.port';
import { StoreAccess, StoreFaults } from '../health/store-faults';

/**
 * Any event store, with its faults (full disk, I/O errors, corruption, an
 * unreachable server) raised as the one StoreUnavailableError and recorded in
 * StoreFaults, which readiness reads. Every other error passes unchanged.
 */
export class FaultReportingEventStore implements EventStore {
  constructor(
    private readonly inner: EventStore,
    private readonly faults: StoreFaults,
  ) {}

  append(stream: string, events: EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    return this.guard('write', () => this.inner.append(stream, events, expectedRevision));
  }

  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<StoredEvent> {
    return this.guardIterable(() => this.inner.readStream(stream, options));
  }

  readAll(options?: ReadAllOptions): AsyncIterable<StoredEvent> {
    return this.guardIterable(() => this.inner.readAll(options));
  }

  subscribe(options: { after?: string | null }, handler: EventHandler): Subscription {
    return this.inner.subscribe(options, handler);
  }

  ping(): Promise<void> {
    return this.guard('read', () => this.inner.ping());
  }

  headPosition(): Promise<string | null> {
    return this.guard('read', () => this.inner.headPosition());
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async guard<T>(access: StoreAccess, operation: () => Promise<T>): Promise<T> {
    this.faults.refuseIfCorrupt();
    try {
      const result = await operation();
      this.faults.answered(access);
      return result;
    } catch (error) {
      throw this.faults.classify(error, access) ?? error;
    }
  }

  private async *guardIterable(open: () => AsyncIterable<StoredEvent>): AsyncIterable<StoredEvent> {
    this.faults.refuseIfCorrupt();
    try {
      yield* open();
    } catch (error) {
      throw this.faults.classify(error, 'read') ?? error;
    }
    this.faults.answered('read');
  }
}
