import { EVENTS_MIGRATION } from './migrations/events.migration';
import { READ_MODELS_MIGRATION } from './migrations/read-models.migration';
import { SERVICE_TIMINGS_MIGRATION } from './migrations/service-timings.migration';
import { WEBHOOK_OUTBOX_MIGRATION } from './migrations/webhook-outbox.migration';
import { PostgresMigration } from './migrations/postgres-migration';

/**
 * The PostgreSQL schema, one entry per change, applied in version order by
 * postgres-migrations.ts. An applied migration is never edited: a change is a
 * new entry with the next version.
 */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  EVENTS_MIGRATION,
  READ_MODELS_MIGRATION,
  SERVICE_TIMINGS_MIGRATION,
  WEBHOOK_OUTBOX_MIGRATION,
];
