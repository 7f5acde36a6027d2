import { Actor } from './ports/event-store.port';

/** Who asked, and the request or event that caused it: becomes every appended event's metadata. */
export interface CommandContext {
  correlationId: string;
  causationId: string | null;
  actor: Actor;
}
