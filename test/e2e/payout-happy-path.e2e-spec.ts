import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';

describe('Payout happy paths (real app, sandbox wallet and LNURL server over HTTP)', () => {
  let h: PayoutHarness;
  beforeAll(async () => {
    h = await startPayoutHarness();
  });
  afterAll(async () => h.close());

  it('pays a Lightning Address exactly once', async () => {
    const created = await h.confirm('happy_ln', 21000, h.address('alice'));
    expect(created.status).toBe(201);
    const state = await h.waitForStatus('happy_ln', ['SETTLED', 'FAILED', 'NEEDS_ATTENTION']);
    expect(state.status).toBe('SETTLED');
    const paid = h.sandbox.lnbits.paidTotalMsatFor(state.settlement!.paymentHash);
    expect(paid).toBe(21_000_000);
    const types = (await h.events('happy_ln')).map((e) => e.type);
    expect(types).toEqual(['PixConfirmed', 'DestinationSubmitted', 'AddressResolved', 'PaymentAttempted', 'PaymentSettled']);
  });

  it('pays a raw BOLT11 exactly once', async () => {
    const invoice = mintInvoice({ network: 'regtest', amountMsat: 5_000_000 });
    await h.confirm('happy_raw', 5000, invoice.bolt11);
    const state = await h.waitForStatus('happy_raw', ['SETTLED', 'FAILED', 'NEEDS_ATTENTION']);
    expect(state.status).toBe('SETTLED');
    expect(state.settlement!.preimage).toBe(invoice.preimage);
    expect(h.sandbox.lnbits.paidTotalMsatFor(invoice.paymentHash)).toBe(5_000_000);
  });
});
