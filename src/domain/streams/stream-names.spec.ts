import { endToEndIdStreamName, orderIdOfPayoutStream, paymentHashStreamName, payoutStreamName, webhookStreamName } from './stream-names';

describe('stream names', () => {
  it('builds each stream of the service', () => {
    expect(payoutStreamName('ord_123')).toBe('payout-ord_123');
    expect(endToEndIdStreamName('E123')).toBe('pix-e2e-E123');
    expect(paymentHashStreamName('ab12')).toBe('payment-hash-ab12');
    expect(webhookStreamName('ord_123')).toBe('webhook-ord_123');
  });

  it('parses a payout stream back to its order, and nothing else', () => {
    expect(orderIdOfPayoutStream(payoutStreamName('ord-1-payout-2'))).toBe('ord-1-payout-2');
    expect(orderIdOfPayoutStream(webhookStreamName('ord_123'))).toBeNull();
    expect(orderIdOfPayoutStream(paymentHashStreamName('ab12'))).toBeNull();
    expect(orderIdOfPayoutStream('payout-')).toBeNull();
    expect(orderIdOfPayoutStream('xpayout-ord')).toBeNull();
  });
});
