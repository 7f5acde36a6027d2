import {
  BalanceRules,
  feeReserveMsat,
  recordAnswered,
  recordBalanceProbe,
  recordShortfall,
  requiredMsat,
  reserve,
  shortfall,
  unknownBalance,
} from './wallet-balance';

const RULES: BalanceRules = { lowBalanceMsat: 50_000_000, inFlightTimeoutMs: 10_000 };
const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0 + ms);

describe('wallet balance', () => {
  it('a payment needs its amount plus max(2 sat, 1 %) of balance', () => {
    expect(feeReserveMsat(100_000)).toBe(2_000);
    expect(feeReserveMsat(1_000_000_000)).toBe(10_000_000);
    expect(feeReserveMsat(250_001)).toBe(2_501);
    expect(requiredMsat(21_000_000)).toBe(21_210_000);
  });

  it('before the first probe nothing is refused: LNbits has the last word', () => {
    expect(shortfall(unknownBalance(), 1_000_000_000_000)).toBeNull();
    expect(reserve(unknownBalance(), 5_000, at(0)).estimateMsat).toBeNull();
  });

  it('permits speak for the balance until the next probe, so a burst cannot overdraw it', () => {
    let balance = recordBalanceProbe(unknownBalance(), 100_000_000, at(0), RULES).balance;
    expect(balance).toMatchObject({ probedMsat: 100_000_000, estimateMsat: 100_000_000, low: false });
    balance = reserve(balance, 49_000_000, at(1)); // 49,490,000 with the reserve
    expect(shortfall(balance, 49_000_000)).toBeNull();
    balance = reserve(balance, 49_000_000, at(2));
    expect(balance.estimateMsat).toBe(1_020_000);
    expect(shortfall(balance, 1_000_000)).toBeNull();
    expect(shortfall(balance, 1_010_000)).toBe(
      `wallet short: balance 1020000 msat cannot cover 1020100 msat (1010000 msat + fee reserve); waiting for a top-up`,
    );
  });

  it('a probe that may not show the payments still under way yet takes them off; answered or timed-out ones count no more', () => {
    let balance = recordBalanceProbe(unknownBalance(), 100_000_000, at(0), RULES).balance;
    balance = reserve(reserve(balance, 49_000_000, at(1)), 20_000_000, at(2));
    balance = recordAnswered(balance, 49_000_000);
    expect(balance.inFlight).toEqual([{ needMsat: 20_200_000, at: at(2).toISOString() }]);
    expect(recordBalanceProbe(balance, 50_510_000, at(3), RULES).balance.estimateMsat).toBe(30_310_000);
    expect(recordBalanceProbe(balance, 50_510_000, at(2 + RULES.inFlightTimeoutMs), RULES).balance).toMatchObject({
      estimateMsat: 50_510_000,
      inFlight: [],
    });
  });

  it('a shortfall opens the low-balance incident once; a probe covering the smallest waiting payout ends it and asks for a sweep', () => {
    const probed = recordBalanceProbe(unknownBalance(), 60_000_000, at(0), RULES);
    expect(probed.transition).toBeNull();
    const first = recordShortfall(probed.balance, 70_000_000, 'gate', at(10), RULES, false);
    expect(first.transition).toEqual({
      to: 'low',
      reason: 'a payout of 70000000 msat cannot be covered: gate',
      balanceMsat: 60_000_000,
      at: at(10).toISOString(),
    });
    expect(first.balance).toMatchObject({ shortSince: at(10).toISOString(), shortOfMsat: 70_700_000, estimateMsat: 60_000_000, low: true });
    const second = recordShortfall(first.balance, 65_000_000, 'gate', at(20), RULES, false);
    expect(second.transition).toBeNull();
    expect(second.balance).toMatchObject({ shortSince: at(10).toISOString(), shortOfMsat: 65_650_000 });

    const stillShort = recordBalanceProbe(second.balance, 65_000_000, at(30), RULES);
    expect(stillShort).toMatchObject({ transition: null, recovered: false });
    const toppedUp = recordBalanceProbe(stillShort.balance, 65_650_000, at(40), RULES);
    expect(toppedUp.recovered).toBe(true);
    expect(toppedUp.transition).toMatchObject({ to: 'restored', balanceMsat: 65_650_000 });
    expect(toppedUp.balance).toMatchObject({ shortSince: null, shortOfMsat: null, low: false, estimateMsat: 65_650_000 });
  });

  it('LNbits refusing for want of sats stops every POST until a probe tells the balance again', () => {
    const probed = recordBalanceProbe(unknownBalance(), 900_000_000, at(0), RULES).balance;
    const refused = recordShortfall(probed, 10_000_000, 'LNbits 520 "Insufficient balance."', at(5), RULES, true);
    expect(refused.transition?.to).toBe('low');
    expect(shortfall(refused.balance, 1_000)).not.toBeNull();
    const probe = recordBalanceProbe(refused.balance, 900_000_000, at(10), RULES);
    expect(probe).toMatchObject({ recovered: true, transition: { to: 'restored' } });
    expect(shortfall(probe.balance, 1_000)).toBeNull();
  });

  it('a probed balance below WALLET_LOW_BALANCE_SATS is low on its own, reported only on change', () => {
    const low = recordBalanceProbe(unknownBalance(), 49_999_999, at(0), RULES);
    expect(low.transition).toEqual({
      to: 'low',
      reason: 'the probed balance 49999999 msat is below WALLET_LOW_BALANCE_SATS (50000 sat)',
      balanceMsat: 49_999_999,
      at: at(0).toISOString(),
    });
    expect(recordBalanceProbe(low.balance, 10, at(1), RULES).transition).toBeNull();
    // A shortage that ends while the balance stays below the threshold sweeps, but the incident stays open.
    const short = recordShortfall(low.balance, 49_000_000, 'gate', at(2), RULES, false).balance;
    expect(recordBalanceProbe(short, 49_490_000, at(3), RULES)).toMatchObject({
      recovered: true,
      transition: null,
      balance: { low: true },
    });
    expect(recordBalanceProbe(low.balance, 50_000_000, at(4), RULES)).toMatchObject({ recovered: false, transition: { to: 'restored' } });
    expect(recordBalanceProbe(unknownBalance(), 0, at(0), { lowBalanceMsat: 0, inFlightTimeoutMs: 10_000 }).transition).toBeNull();
  });
});
