import { Gauge, Registry } from 'prom-client';
import { WalletBalanceStatus } from '../../application/wallet-monitor/voltz-monitor';

/**
 * The wallet's balance as the last probe saw it, and whether it is low
 * (below WALLET_LOW_BALANCE_SATS, or a payout waits for sats): read from the
 * monitor at scrape time, so an alert rule can fire before customers notice.
 */
export function registerWalletGauges(registry: Registry, balance: () => WalletBalanceStatus): void {
  const low = new Gauge({
    name: 'pll_wallet_low',
    help: '1 while the wallet balance is low or a payout waits for sats, else 0',
    registers: [],
  });
  new Gauge({
    name: 'pll_wallet_balance_msat',
    help: "The wallet's balance at the last probe (msat); absent before the first",
    registers: [registry],
    collect() {
      const status = balance();
      this.reset();
      if (status.balanceMsat !== null) this.set(status.balanceMsat);
      low.set(status.low ? 1 : 0);
    },
  });
  // Registered after the balance gauge: prom-client collects in registration order, so `low` is set first.
  registry.registerMetric(low);
}
