import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PayoutMetrics, SweepSummary, WalletCall } from '../../application/ports/payout-metrics.port';
import { ReconciliationReport } from '../../domain/reconciliation/reconciliation-events';

/** Latency buckets (seconds) for wallet calls, HTTP requests and sweeps: a few ms up to the Voltz timeout. */
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * One registry per app instance (tests run several apps in one process). The
 * counters here are pushed by the code that does the work; the read models'
 * figures are added by ReadModelCollectors at scrape time.
 */
export class PrometheusMetrics implements PayoutMetrics {
  readonly registry = new Registry();

  private readonly walletAnswers = new Counter({
    name: 'pll_voltz_answers_total',
    help: 'Voltz answers by call (pay = payment POST, status = status check), classified outcome and, for HTTP 520, its source',
    labelNames: ['call', 'outcome', 'source_520'] as const,
    registers: [this.registry],
  });

  private readonly walletSeconds = new Histogram({
    name: 'pll_voltz_call_duration_seconds',
    help: 'Voltz call latency by call',
    labelNames: ['call'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  private readonly sweepSeconds = new Histogram({
    name: 'pll_fallback_sweep_duration_seconds',
    help: 'Duration of one fallback sweep',
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  private readonly sweepOrders = new Counter({
    name: 'pll_fallback_sweep_orders_total',
    help: 'Orders examined by fallback sweeps, by what became of them',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  private readonly reconciliationSeconds = new Histogram({
    name: 'pll_reconciliation_duration_seconds',
    help: 'Duration of one reconciliation against the wallet',
    buckets: [...SECONDS_BUCKETS, 60, 300],
    registers: [this.registry],
  });

  private readonly reconciliationFindings = new Counter({
    name: 'pll_reconciliation_discrepancies_total',
    help: 'Discrepancies reconciliations reported, by kind (a finding seen again by a later run counts again)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  private readonly doublePayments = new Counter({
    name: 'pll_double_payments_detected_total',
    help: 'Double payments this process detected and recorded (each needs an admin acknowledgement)',
    registers: [this.registry],
  });

  private readonly httpRequests = new Counter({
    name: 'pll_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly httpSeconds = new Histogram({
    name: 'pll_http_request_duration_seconds',
    help: 'HTTP request latency by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Label sets seen so far, each bound once to its series: prom-client hashes a
   * label object on every call otherwise, and these run for every request and
   * every wallet call. The sets are few (routes × methods × statuses, calls ×
   * outcomes), so the cache stays small.
   */
  private readonly series = new Map<string, unknown>();

  walletAnswer(call: WalletCall, outcome: string, http520Source: 'lnbits' | 'cloudflare' | null, seconds: number): void {
    const source = http520Source ?? 'none';
    this.bound(`answers ${call} ${outcome} ${source}`, () => this.walletAnswers.labels(call, outcome, source)).inc();
    this.bound(`wallet seconds ${call}`, () => this.walletSeconds.labels(call)).observe(seconds);
  }

  doublePaymentDetected(): void {
    this.doublePayments.inc();
  }

  httpRequestFinished(method: string, route: string, status: number, seconds: number): void {
    const code = String(status);
    this.bound(`requests ${method} ${route} ${code}`, () => this.httpRequests.labels(method, route, code)).inc();
    this.bound(`request seconds ${method} ${route}`, () => this.httpSeconds.labels(method, route)).observe(seconds);
  }

  private bound<T>(key: string, bind: () => T): T {
    let series = this.series.get(key) as T | undefined;
    if (series === undefined) this.series.set(key, (series = bind()));
    return series;
  }

  reconciliationFinished(seconds: number, report: ReconciliationReport): void {
    this.reconciliationSeconds.observe(seconds);
    for (const found of report.discrepancies) this.reconciliationFindings.inc({ kind: found.kind });
  }

  sweepFinished(seconds: number, summary: SweepSummary): void {
    this.sweepSeconds.observe(seconds);
    for (const result of ['settled', 'retried', 'stillPending', 'escalated', 'failed', 'cancelled'] as const) {
      if (summary[result] > 0) this.sweepOrders.inc({ result }, summary[result]);
    }
  }
}
