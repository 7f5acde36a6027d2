import { PayoutHarness, startPayoutHarness } from '../support/payout-harness';
import { KEYS } from '../support/test-app';

/** GET /v1/admin/stats/series: the admin page's charts, from the projections and this instance's Voltz monitor. */
describe('GET /v1/admin/stats/series', () => {
  let h: PayoutHarness;
  beforeAll(async () => {
    h = await startPayoutHarness({ PAYMENT_NOT_FOUND_GRACE_MS: '1000', VOLTZ_TIMEOUT_MS: '1000', PAYMENT_RETRY_BASE_MS: '20' });
  });
  afterAll(async () => h.close());

  it("counts the hour's settled payouts, their sats and the 520s, with availability, every hour of the window oldest first", async () => {
    await h.confirm('series-a', 1_000, h.address('alice'));
    await h.confirm('series-b', 2_000, h.address('alice'));
    // A Cloudflare 520 after the money moved: the order still settles, and the 520 is counted.
    h.sandbox.lnbits.injectFault({ endpoint: 'pay', fault: { kind: 'cloudflare', paid: true } });
    await h.confirm('series-c', 3_000, h.address('alice'));
    for (const orderId of ['series-a', 'series-b', 'series-c']) await h.waitForStatus(orderId, ['SETTLED']);
    await h.projectionsCaughtUp();

    const answer = await h.admin('GET', '/v1/admin/stats/series?hours=24');
    expect(answer.status).toBe(200);
    const points = answer.body.points as { at: string; settled: number; sats: number; voltz520: number; availability: number | null }[];
    expect(answer.body.bucket).toBe('hour');
    expect(points).toHaveLength(24);
    const starts = points.map((p) => Date.parse(p.at));
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBe(3_600_000);
    expect(starts[23]).toBeLessThanOrEqual(Date.now());
    expect(Date.now() - starts[23]).toBeLessThan(3_600_000);
    const sum = (field: 'settled' | 'sats' | 'voltz520') => points.reduce((n, p) => n + p[field], 0);
    expect([sum('settled'), sum('sats'), sum('voltz520')]).toEqual([3, 6_000, 1]);
    const seen = points.filter((p) => p.availability !== null);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    for (const p of seen) expect(p.availability).toBeGreaterThan(0);
    expect(seen.some((p) => p.availability! < 1)).toBe(true);
    expect(points[0].availability).toBeNull();

    expect((await h.admin('GET', '/v1/admin/stats/series')).body.points).toHaveLength(24);
    expect((await h.admin('GET', '/v1/admin/stats/series?hours=3')).body.points).toHaveLength(3);
  });

  it('answers 400 naming the problem for hours outside 1..168, and is for admins only', async () => {
    for (const hours of ['0', '169', 'abc', '1.5'])
      expect(await h.admin('GET', `/v1/admin/stats/series?hours=${hours}`)).toMatchObject({ status: 400, body: { code: 'invalid_hours' } });
    expect((await h.request('GET', '/v1/admin/stats/series', KEYS.bot)).status).toBe(403);
  });
});
