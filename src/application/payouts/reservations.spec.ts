import { ORDER_ID, E2E_ID, NOW, bolt11Destination, cmd, invoice } from '../../domain/payout/payout.fixtures';
import { endToEndIdStreamName } from '../../domain/streams/stream-names';
import { SqliteEventStore } from '../../infrastructure/event-store/sqlite-event-store';
import { payoutCommandsOver } from '../../../test/support/payout-commands';
import { makeTempDir } from '../../../test/support/temp-dir';
import { TestClock } from '../../../test/support/test-clock';
import { CommandContext } from '../command-context';
import { handlePayoutCommand } from './handle-payout-command';
import { PayoutRepository } from './payout-repository';
import { Reservations } from './reservations';
import { TimeOrderedIdGenerator } from '../../infrastructure/system/time-ordered-id-generator';

/**
 * Reservations are claims, the order's stream is the truth (domain/reservation):
 * a reservation whose order does not use the value — a lost race, a crash
 * before the release — never keeps another order from the value.
 */
describe('Reservations (real SqliteEventStore)', () => {
  const context: CommandContext = { correlationId: 'corr-r', causationId: null, actor: 'bot' };
  let clock: TestClock;
  let dir: ReturnType<typeof makeTempDir>;
  let store: SqliteEventStore;
  let reservations: Reservations;
  let commands: ReturnType<typeof payoutCommandsOver>;

  beforeEach(() => {
    clock = new TestClock(NOW);
    dir = makeTempDir('pll-reservations');
    store = new SqliteEventStore({ filename: `${dir.path}/events.sqlite`, clock });
    commands = payoutCommandsOver(store, clock);
    reservations = commands.reservations;
  });
  afterEach(async () => {
    await store.close();
    dir.remove();
  });

  const e2e = { kind: 'endToEndId' as const, endToEndId: E2E_ID };
  const streamTypes = async (stream: string) => {
    const seen: string[] = [];
    for await (const event of store.readStream(stream)) seen.push(event.type);
    return seen;
  };

  it('a value held by an order that uses it -> a conflict naming it, nothing written', async () => {
    await commands.run(ORDER_ID, cmd.confirmPix(null), context, { reserve: () => [e2e] });
    await expect(reservations.reserve('other', [e2e], context)).resolves.toMatchObject({
      ok: false,
      error: { code: 'end_to_end_id_used' },
    });
    expect(await streamTypes(endToEndIdStreamName(E2E_ID))).toEqual(['EndToEndIdReserved']);
  });

  it('a reservation of a request still under way (no order stream yet) holds for 30 s by default, then is stale and taken over', async () => {
    await reservations.reserve('crashed', [e2e], context);
    await expect(reservations.reserve('other', [e2e], context)).resolves.toMatchObject({
      ok: false,
      error: { code: 'end_to_end_id_used' },
    });
    clock.advance(29_999);
    await expect(reservations.reserve('other', [e2e], context)).resolves.toMatchObject({
      ok: false,
      error: { code: 'end_to_end_id_used' },
    });
    clock.advance(1);
    await expect(reservations.reserve('other', [e2e], context)).resolves.toMatchObject({ ok: true, made: [expect.anything()] });
    expect(await streamTypes(endToEndIdStreamName(E2E_ID))).toEqual(['EndToEndIdReserved', 'EndToEndIdReserved']);
  });

  it('the takeover time is configurable (RESERVATION_TAKEOVER_MS)', async () => {
    const ids = new TimeOrderedIdGenerator(clock);
    const configured = new Reservations(store, new PayoutRepository(store, ids), ids, clock, { reservationTakeoverMs: 60_000 });
    await configured.reserve('crashed', [e2e], context);
    clock.advance(59_999);
    await expect(configured.reserve('other', [e2e], context)).resolves.toMatchObject({ ok: false, error: { code: 'end_to_end_id_used' } });
    clock.advance(1);
    await expect(configured.reserve('other', [e2e], context)).resolves.toMatchObject({ ok: true, made: [expect.anything()] });
  });

  it('a reservation whose order exists but uses another value (a lost race whose release was lost) is taken over at once', async () => {
    await commands.run(ORDER_ID, cmd.confirmPix(null, { endToEndId: 'E' + 'X'.repeat(31) }), context);
    await reservations.reserve(ORDER_ID, [e2e], context);
    await expect(reservations.reserve('genuine', [e2e], context)).resolves.toMatchObject({ ok: true, made: [expect.anything()] });
  });

  it('release gives back only what the order does not use, and never what someone took over since', async () => {
    const made = await reservations.reserve('loser', [e2e], context);
    if (!made.ok) throw new Error('the value was free');
    await reservations.release('loser', made.made, 'lost the race', context);
    expect(await streamTypes(endToEndIdStreamName(E2E_ID))).toEqual(['EndToEndIdReserved', 'ReservationReleased']);
    const taken = await reservations.reserve('winner', [e2e], context);
    await reservations.release('loser', made.made, 'a late, stale release', context);
    expect(await streamTypes(endToEndIdStreamName(E2E_ID))).toEqual(['EndToEndIdReserved', 'ReservationReleased', 'EndToEndIdReserved']);
    expect(taken).toMatchObject({ ok: true, made: [expect.anything()] });
  });

  it('a 422 for a new order reserves nothing', async () => {
    const wrongAmount = invoice('wrong', { amountMsat: 1 });
    await expect(
      handlePayoutCommand(commands.deps, ORDER_ID, cmd.confirmPix(bolt11Destination(wrongAmount)), context, { reserve: () => [e2e] }),
    ).resolves.toMatchObject({ ok: false, error: { code: 'invoice_mismatch' } });
    expect(await streamTypes(endToEndIdStreamName(E2E_ID))).toEqual([]);
  });
});
