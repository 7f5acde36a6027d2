import { Command } from 'commander';
import { EventStore } from '../../application/ports/event-store.port';
import { WalletPort } from '../../application/ports/wallet.port';
import { PayoutRepository } from '../../application/payouts/payout-repository';
import { Reservations } from '../../application/payouts/reservations';
import { WalletReconciler } from '../../application/reconciliation/wallet-reconciler';
import { DEFAULT_PAYOUT_RULES, payoutDecider } from '../../domain/payout/payout-decider';
import { SystemClock } from '../system/system-clock';
import { TimeOrderedIdGenerator } from '../system/time-ordered-id-generator';
import { VoltzClient } from '../voltz/voltz-client';
import { EXIT_FOUND, EXIT_OK, UsageError } from './cli-errors';
import { cliConfig, withStore } from './cli-store';
import { ProgressReporter } from './cli-progress-reporter';

/**
 * `ledger reconcile [--record]`: rule 9 of docs/architecture.md against the configured wallet
 * (VOLTZ_URL; for the sandbox, the simulated wallet's URL from the service's
 * banner). Without --record it only reports; with it, it does exactly what
 * the service's scheduled run does.
 */
export function reconcileCommand(): Command {
  return new Command('reconcile')
    .description("match the wallet's payment list to the ledger by payment hash and list every discrepancy")
    .option('--record', "append the findings as events and settle orders the wallet paid (the service's scheduled run)")
    .option('--page-size <n>', 'wallet payments per request', (value) => positiveInt(value, '--page-size'), 500)
    .option('--json', 'print the report as JSON')
    .action(async (options: { record?: boolean; pageSize: number; json?: boolean }) => {
      const config = cliConfig();
      if (!config.voltz)
        throw new UsageError(
          'no wallet configured: set VOLTZ_URL and VOLTZ_READ_KEY (in sandbox mode, the simulated wallet URL ' +
            'printed in the service banner)',
        );
      // Listing payments is all reconciliation asks of the wallet: the read key, never the spending key.
      const wallet = new VoltzClient({ baseUrl: config.voltz.url, adminKey: config.voltz.readKey, timeoutMs: config.voltzTimeoutMs });
      const report = await withStore(
        config,
        (store) => {
          const ledger = new ProgressReporter('reconcile: reading the ledger');
          const walletProgress = new ProgressReporter('reconcile: wallet payments');
          return offlineReconciler(store, wallet)
            .reconcile({
              record: options.record === true,
              actor: 'auditor',
              pageSize: options.pageSize,
              onProgress: (phase, count) => (phase === 'ledger' ? ledger : walletProgress).update(count),
            })
            .finally(() => {
              ledger.done();
              walletProgress.done();
            });
        },
        options.record ? 'write' : 'read',
      );
      if (options.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
      } else {
        process.stdout.write(
          `reconciliation ${report.id}: ${report.walletPayments} wallet payments, ${report.ledgerSettled} settled ` +
            `orders, ${report.matched} matched\n`,
        );
        for (const d of report.discrepancies)
          process.stdout.write(`DISCREPANCY ${d.kind} order ${d.orderId ?? '-'} payment ${d.paymentHash}: ${d.detail}\n`);
        process.stdout.write(
          report.discrepancies.length === 0
            ? 'no discrepancy\n'
            : `${report.discrepancies.length} discrepancy(ies)${options.record ? ', recorded' : ''}\n`,
        );
      }
      process.exitCode = report.discrepancies.length === 0 ? EXIT_OK : EXIT_FOUND;
    });
}

/** The service's reconciler wired by hand over a store and a wallet, outside the Nest app. */
export function offlineReconciler(store: EventStore, wallet: WalletPort): WalletReconciler {
  const clock = new SystemClock();
  const ids = new TimeOrderedIdGenerator(clock);
  const repository = new PayoutRepository(store, ids);
  const reservations = new Reservations(store, repository, ids, clock);
  // Only the wallet's "paid" is recorded here, which no timing changes; nothing in this process reacts to the appends.
  const deps = { repository, reservations, clock, decider: payoutDecider(DEFAULT_PAYOUT_RULES), publish: () => undefined };
  return new WalletReconciler(store, wallet, deps, ids, clock);
}

export function positiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer`);
  return n;
}
