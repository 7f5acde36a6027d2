import { Client } from 'pg';
import type { ThrottledLog } from './throttled-log';
import { describeError } from '../../application/describe-error';
import { postgresClientConfig } from '../postgres/postgres-pool';

export interface PostgresChangeListenerOptions {
  url: string;
  channel: string;
  /** Called on every notification and after each (re)connection, when notifications may have been missed. */
  onChange: () => void;
  /** How long to wait before connecting again after the connection was lost. */
  reconnectDelayMs: number;
  outage: ThrottledLog;
}

/**
 * One dedicated connection LISTENing on the store's channel. A pooled
 * connection cannot listen (LISTEN belongs to a session), so this one lives
 * outside the pool; when it is lost it is opened again after a delay, and
 * subscribers keep polling meanwhile.
 */
export class PostgresChangeListener {
  private client: Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly options: PostgresChangeListenerOptions) {}

  start(): void {
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer !== null) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    this.reconnectTimer = null;
    if (this.stopped) {
      return;
    }
    const client = new Client(postgresClientConfig(this.options.url, 'pix-lightning-ledger:listen'));
    client.on('notification', () => this.options.onChange());
    // Without a listener an 'error' on an idle client would end the process.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('the connection ended')));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.options.outage.resolve('Listening for new events again');
    // Whatever was appended while nobody listened is read now rather than at the next poll.
    this.options.onChange();
  }

  private lost(client: Client, error: unknown): void {
    if (this.stopped || this.client !== client) {
      return;
    }
    this.client = null;
    client.end().catch(() => undefined);
    this.options.outage.report(
      `Not listening for new events (${describeError(error)}); polling meanwhile, connecting again in ${this.options.reconnectDelayMs} ms`,
    );
    this.reconnectTimer = setTimeout(() => void this.connect(), this.options.reconnectDelayMs);
  }
}
