import { LightningNetwork } from '../../domain/destination/lightning-network';
import { LogLevel } from '../logging/log-level';

export type Role = 'bot' | 'admin' | 'auditor' | 'metrics';

/** The validated configuration the rest of the service reads; secrets stay in here, never in logs. */
export interface AppConfig {
  port: number;
  /** null = every interface. */
  host: string | null;
  /** SQLite files (events and read models; read models only beside EventStoreDB; unused with PostgreSQL). */
  dataDir: string;
  eventStore: { kind: 'sqlite' } | { kind: 'postgres'; url: string; poolSize: number } | { kind: 'esdb'; connectionString: string };
  /** null = sandbox mode: simulated wallet and Lightning Address server on loopback. */
  voltz: { url: string; adminKey: string; readKey: string } | null;
  voltzTimeoutMs: number;
  network: LightningNetwork;
  maxPayoutSats: number;
  paymentRetryAttempts: number;
  paymentRetryBaseMs: number;
  paymentNotFoundGraceMs: number;
  fallbackCron: string;
  /** Schedule of the recorded reconciliation against the wallet (docs/architecture.md, rule 9). */
  reconcileCron: string;
  /** When the ledger digest (tamper evidence) is recorded. */
  digestCron: string;
  escalateAfterAttempts: number;
  /** A sent invoice is abandoned only this long after its expiry (docs/architecture.md, rule 8). */
  sentInvoiceSlackMs: number;
  webhook: { url: string; secret: string } | null;
  lnurlTimeoutMs: number;
  /** MIN_INVOICE_VALIDITY_S. */
  minInvoiceValiditySeconds: number;
  /** domain -> base URL: Lightning Addresses at domain resolve there (sandboxes and tests). */
  lnurlHostOverrides: ReadonlyMap<string, string>;
  apiKeys: Record<Role, string[]>;
  /** True when sandbox mode runs with the well-known sandbox keys (no *_API_KEYS given). */
  sandboxApiKeys: boolean;
  /** METRICS_ENABLED: Prometheus collectors on /metrics. */
  metricsEnabled: boolean;
  /** Period of the Voltz monitor's wallet probe. */
  voltzProbeIntervalMs: number;
  /** Consecutive unknown payment answers that open the circuit breaker. */
  voltzBreakerThreshold: number;
  /** Requests per API key per minute; 0 = no limit. */
  rateLimitPerMinute: number;
  /** RESERVATION_TAKEOVER_MS: a reservation whose order never appeared is free again after this long. */
  reservationTakeoverMs: number;
  /** Failed authentications per client address per minute before 429. */
  authFailuresPerMinute: number;
  logLevel: LogLevel;
  /** WALLET_LOW_BALANCE_SATS: a probed balance below it is an incident (0: only a short wallet is). */
  walletLowBalanceSats: number;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
