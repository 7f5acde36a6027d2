import { StoredEvent } from '../ports/event-store.port';

/** An event as auditors see it: exactly what the store holds. */
export interface AuditEvent {
  stream: string;
  revision: number;
  position: string;
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  createdAt: string;
}

export function toAuditEvent(event: StoredEvent): AuditEvent {
  const { stream, revision, position, id, type, data, metadata, createdAt } = event;
  return { stream, revision, position, id, type, data, metadata, createdAt };
}
