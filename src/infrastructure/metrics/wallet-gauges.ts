import { Gauge, Registry } from 'prom-client';
import { WalletBalanceStatus } from '../../application/wallet-monitor/wallet-monitor';
import { BreakerPosition } from '../../domain/wallet/circuit-breaker';

/** Ordered by how far from paying: an alert rule can say `> 0` (not closed) or `== 2` (open). */
const BREAKER_STATE: Record<BreakerPosition, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * The breaker's position, and the wallet's balance as the last probe saw it, and whether it is low
 * (below WALLET_LOW_BALANCE_SATS, or a payout waits for sats): read from the
 * monitor at scrape time, so an alert rule can fire before customers notice.
 */
export function registerWalletGauges(registry: Registry, balance: () => WalletBalanceStatus, breaker: () => BreakerPosition): void {
  new Gauge({
    name: 'pll_voltz_breaker_state',
    help: "This instance's Voltz circuit breaker: 0 closed, 1 half-open (invoice probe out), 2 open",
    registers: [registry],
    collect() {
      this.set(BREAKER_STATE[breaker()]);
    },
  });
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
