import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';

/**
 * A bot that retries after a timeout must be able to tell success from refusal:
 * the destination already accepted, sent again, is a 200 with the payout; an
 * admin retry of an order with nothing to retry is a 409 (docs/api.md).
 */
describe('Idempotent retries (real app, sandbox wallet over HTTP)', () => {
  let h: PayoutHarness;
  beforeAll(async () => {
    h = await startPayoutHarness();
  });
  afterAll(async () => h.close());

  it('20 identical concurrent PUTs and a later identical PUT all get 200/202, one destination recorded; retry then is 409', async () => {
    const orderId = 'idem_put_1';
    expect((await h.confirm(orderId, 1500)).status).toBe(201);
    const destination = h.address('alice');
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => h.bot('PUT', `/v1/payouts/${orderId}/destination`, { destination })),
    );
    for (const answer of answers) {
      expect([200, 202]).toContain(answer.status);
      expect(answer.body).toMatchObject({ orderId, destination });
    }
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);

    await h.waitForStatus(orderId, ['SETTLED']);
    const later = await h.bot('PUT', `/v1/payouts/${orderId}/destination`, { destination: `lightning:${destination.toUpperCase()}` });
    expect(later.status).toBe(200);
    expect(later.body).toMatchObject({ orderId, status: 'SETTLED', destination });
    const submitted = (await h.events(orderId)).filter((e) => e.type === 'DestinationSubmitted');
    expect(submitted).toHaveLength(1);

    // Another destination is still refused: the answer tells a real refusal from a replay.
    const other = await h.bot('PUT', `/v1/payouts/${orderId}/destination`, { destination: h.address('bob') });
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('already_settled');

    const retry = await h.admin('POST', `/v1/admin/payouts/${orderId}/retry`);
    expect(retry.status).toBe(409);
    expect(retry.body).toMatchObject({ statusCode: 409, code: 'nothing_to_retry' });
    expect(await h.paidMsat(orderId)).toBe(1_500_000);
  });

  it('retry of an order awaiting its destination is 409 nothing_to_retry, and records nothing', async () => {
    const orderId = 'idem_retry_2';
    await h.confirm(orderId, 1000);
    const before = (await h.events(orderId)).length;
    const retry = await h.admin('POST', `/v1/admin/payouts/${orderId}/retry`);
    expect(retry.status).toBe(409);
    expect(retry.body.code).toBe('nothing_to_retry');
    expect(await h.events(orderId)).toHaveLength(before);
  });
});
