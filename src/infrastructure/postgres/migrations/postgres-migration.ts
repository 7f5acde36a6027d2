/** One change of the PostgreSQL schema (migrations.ts lists them in version order). */
export interface PostgresMigration {
  version: number;
  name: string;
  sql: string;
}
