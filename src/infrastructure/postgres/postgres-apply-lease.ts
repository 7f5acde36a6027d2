import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { describeError } from '../../application/describe-error';
import { ApplyLease } from '../log-follower/apply-lease';
import { postgresClientConfig } from './postgres-pool';

/** The session advisory lock whose holder applies projections and feeds the webhook outbox. */
const APPLY_LEASE_KEY = 7_451_983_120_002;

export interface PostgresApplyLeaseOptions {
  url: string;
  /** How often a non-holder tries to take the lease, and a holder checks its connection is alive. */
  intervalMs?: number;
}

/**
 * The projection lease of docs/architecture.md, "Multi-node": a session
 * advisory lock held on a connection of its own. PostgreSQL releases it when
 * that session ends, so when the holder dies (or its connection drops) another
 * instance's next try takes it, within `intervalMs`. A holder whose
 * connection fails or stops answering gives the lease up at once: it may no
 * longer be the only one applying. Row locks on the checkpoints keep two
 * appliers safe anyway; the lease keeps them from wasting work.
 */
export class PostgresApplyLease implements ApplyLease {
  private readonly logger = new Logger(PostgresApplyLease.name);
  private readonly intervalMs: number;
  private readonly listeners: ((held: boolean) => void)[] = [];
  private client: Client | null = null;
  private holding = false;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: PostgresApplyLeaseOptions) {
    this.intervalMs = options.intervalMs ?? 1_000;
  }

  get held(): boolean {
    return this.holding;
  }

  onChange(listener: (held: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Tries at once, then every interval. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.tick();
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Ends the lock's session, which releases the lease for another instance. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
    await this.lose(this.client, null);
  }

  private tick(): Promise<void> {
    this.ticking ??= this.attempt().finally(() => (this.ticking = null));
    return this.ticking;
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    let client = this.client;
    try {
      if (client === null) {
        client = new Client({
          ...postgresClientConfig(this.options.url, 'pix-lightning-ledger:lease'),
          query_timeout: this.intervalMs * 5,
        });
        const connecting = client;
        connecting.on('error', (error) => void this.lose(connecting, error));
        connecting.on('end', () => void this.lose(connecting, new Error('the lease connection ended')));
        this.client = client;
        await client.connect();
      }
      if (this.holding) {
        // A connection that no longer answers may have lost the lock without telling us.
        await client.query('SELECT 1');
        return;
      }
      const { rows } = await client.query<{ taken: boolean }>('SELECT pg_try_advisory_lock($1) AS taken', [APPLY_LEASE_KEY]);
      if (rows[0].taken && this.client === client && !this.stopped) {
        this.holding = true;
        this.logger.log('projection lease taken: this instance applies projections and feeds the webhook outbox');
        this.emit();
      }
    } catch (error) {
      await this.lose(client, error);
    }
  }

  /** Drops the connection (ending its session releases the lock) and, if it held the lease, says so. */
  private lose(client: Client | null, error: unknown): Promise<void> {
    if (client === null || client !== this.client) return Promise.resolve();
    this.client = null;
    const ended = client.end().catch(() => undefined);
    if (this.holding) {
      this.holding = false;
      if (error !== null) this.logger.warn(`projection lease lost: ${describeError(error)}; another instance may take it over`);
      this.emit();
    }
    return ended;
  }

  private emit(): void {
    for (const listener of this.listeners) listener(this.holding);
  }
}
