import type { RecordedEvent } from '@eventstore/db-client';
import type { EventMetadata, StoredEvent } from '../../application/ports/event-store.port';
import { encodePosition } from './esdb-positions';
import { OncePerId } from './once-per-id';

/** Enough to report each foreign event of a busy shared server once without growing for ever. */
const REPORTED_IDS_KEPT = 10_000;

export function isSystemEvent(event: RecordedEvent): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

/**
 * Converts what EventStoreDB returns into the port's events. A shared
 * server also holds events other tools wrote (binary, or JSON that is not
 * an object): they are not this service's, so they are skipped, and each is
 * reported once rather than failing a read or a subscription for ever.
 */
export class RecordedEventFilter {
  private readonly reported = new OncePerId(REPORTED_IDS_KEPT);

  constructor(private readonly warn: (line: string) => void) {}

  /** The port's event, or null for an event this service did not write. */
  accept(event: RecordedEvent): StoredEvent | null {
    const reason = whyForeign(event);
    if (reason !== null) {
      if (this.reported.first(event.id)) {
        const at = event.position === undefined ? `revision ${event.revision}` : `position ${encodePosition(event.position)}`;
        this.warn(
          `Skipped event ${event.id} (${event.type}) in ${event.streamId} at ${at}: ${reason}; this service reads only its own JSON events`,
        );
      }
      return null;
    }
    if (event.position === undefined) {
      throw new Error(`EventStoreDB returned no position for event ${event.id} (server older than 22.6?)`);
    }
    return {
      id: event.id,
      stream: event.streamId,
      revision: Number(event.revision),
      position: encodePosition(event.position),
      type: event.type,
      data: event.data as Record<string, unknown>,
      metadata: event.metadata as EventMetadata,
      createdAt: event.created.toISOString(),
    };
  }
}

function whyForeign(event: RecordedEvent): string | null {
  if (!event.isJson) {
    return 'its content type is not JSON';
  }
  if (!isJsonObject(event.data)) {
    return 'its data is not a JSON object';
  }
  if (!isJsonObject(event.metadata)) {
    return 'its metadata is not a JSON object';
  }
  return null;
}

function isJsonObject(value: unknown): boolean {
  // The client hands malformed JSON over as the raw string, and unparsable metadata as bytes.
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}
