import { computeWebhookSignature, signWebhookBody, unixSeconds } from './webhook-signature';

describe('webhook signature', () => {
  const secret = 'whsec_test_0123456789abcdef';
  const body = '{"id":"evt_1","type":"payout.settled"}';

  it('is hex HMAC-SHA256(secret, "<t>.<raw body>") (known answer, computed with openssl)', () => {
    expect(computeWebhookSignature(secret, 1752062400, body)).toBe('0293bc277a0b3fc55fc070cd4680efc4365549d615ced3b3f8bded6f0933aef1');
  });

  it('formats the header as t=<unix seconds>,v1=<hex>', () => {
    expect(signWebhookBody(secret, 1752062400, body)).toBe(
      't=1752062400,v1=0293bc277a0b3fc55fc070cd4680efc4365549d615ced3b3f8bded6f0933aef1',
    );
  });

  it('signs the UTF-8 bytes: a string and its Buffer give the same signature', () => {
    const unicode = '{"orderId":"ação"}';
    expect(computeWebhookSignature(secret, 1752062400, unicode)).toBe(
      computeWebhookSignature(secret, 1752062400, Buffer.from(unicode, 'utf8')),
    );
    expect(computeWebhookSignature(secret, 1752062400, unicode)).toBe('e9b48be841e13bebc1171d68a0e6a9c2ab38c1e05aebf41a79244dc328aec8c7');
  });

  it('changes with the timestamp, the body and the secret', () => {
    const base = computeWebhookSignature(secret, 1752062400, body);
    expect(computeWebhookSignature(secret, 1752062401, body)).not.toBe(base);
    expect(computeWebhookSignature(secret, 1752062400, `${body} `)).not.toBe(base);
    expect(computeWebhookSignature(`${secret}x`, 1752062400, body)).not.toBe(base);
  });

  it('uses whole seconds and refuses a timestamp that is not one', () => {
    expect(unixSeconds(new Date('2025-07-09T12:00:00.999Z'))).toBe(1752062400);
    expect(() => computeWebhookSignature(secret, 1.5, body)).toThrow(RangeError);
    expect(() => computeWebhookSignature(secret, -1, body)).toThrow(RangeError);
  });
});
