import { ORDER_ID, bolt11Destination, cmd, invoice, NOW } from '../../domain/payout/payout.fixtures';
import { payoutStreamName } from '../../domain/streams/stream-names';
import { SqliteEventStore } from '../../infrastructure/event-store/sqlite-event-store';
import { makeTempDir } from '../../../test/support/temp-dir';
import { AppendOutcomeUnknownError } from '../ports/event-store.port';
import { CommandContext } from '../command-context';
import { PayoutCommandDeps, handlePayoutCommand } from './handle-payout-command';
import { payoutCommandsOver } from '../../../test/support/payout-commands';
import { PayoutRepository } from './payout-repository';

/**
 * The one command path against the real SQLite store: a refusal is a value, and a caller's `from` is only the
 * revision the first append expects. When the stream has moved since, the
 * append loses, the payout is read again and the command decided again.
 */
describe('handlePayoutCommand with a payout the caller already holds (real SqliteEventStore)', () => {
  const clock = { now: () => NOW };
  const context: CommandContext = { correlationId: 'corr-1', causationId: null, actor: 'system' };
  const inv = invoice('stale');
  let dir: ReturnType<typeof makeTempDir>;
  let store: SqliteEventStore;
  let repository: PayoutRepository;
  let deps: PayoutCommandDeps;
  let run: ReturnType<typeof payoutCommandsOver>['run'];

  beforeEach(() => {
    dir = makeTempDir('pll-commands');
    store = new SqliteEventStore({ filename: `${dir.path}/events.sqlite`, clock });
    ({ deps, repository, run } = payoutCommandsOver(store, clock));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await store.close();
    dir.remove();
  });

  const types = async () => {
    const seen: string[] = [];
    for await (const event of store.readStream(payoutStreamName(ORDER_ID))) seen.push(event.type);
    return seen;
  };

  it('decides on the payout it is given and appends at that revision, reading nothing', async () => {
    const { loaded } = await run(ORDER_ID, cmd.confirmPix(bolt11Destination(inv)), context);
    const reads = jest.spyOn(repository, 'load');
    const claimed = await run(ORDER_ID, cmd.claim(inv), context, { from: loaded });
    expect(reads).not.toHaveBeenCalled();
    expect(claimed.loaded.revision).toBe((loaded.revision as number) + 1);
    expect(claimed.loaded).toEqual(await repository.load(ORDER_ID));
  });

  it('re-reads and decides again when the stream moved: a claim made on a stale view of a cancelled payout is refused', async () => {
    const { loaded: stale } = await run(ORDER_ID, cmd.confirmPix(bolt11Destination(inv)), context);
    await run(ORDER_ID, cmd.cancel(), context);
    const reads = jest.spyOn(repository, 'load');
    const refused = await handlePayoutCommand(deps, ORDER_ID, cmd.claim(inv), context, { from: stale });
    expect(refused).toEqual({ ok: false, error: { code: 'cancelled', message: expect.any(String) } });
    expect(reads).toHaveBeenCalledTimes(1);
    expect(await types()).toEqual(['PixConfirmed', 'DestinationSubmitted', 'PayoutCancelled']);
  });

  it('re-reads and decides again when the stream moved: a second claim on a stale view loses to the first', async () => {
    const { loaded: stale } = await run(ORDER_ID, cmd.confirmPix(bolt11Destination(inv)), context);
    await run(ORDER_ID, cmd.claim(inv), context, { from: stale });
    await expect(handlePayoutCommand(deps, ORDER_ID, cmd.claim(inv), context, { from: stale })).resolves.toMatchObject({
      ok: false,
      error: { code: 'payment_in_flight' },
    });
    expect(await types()).toEqual(['PixConfirmed', 'DestinationSubmitted', 'PaymentAttempted']);
  });

  it(
    'an append whose outcome the store cannot tell (it did land) is read again and decided again: ' + 'the claim is never made twice',
    async () => {
      const { loaded } = await run(ORDER_ID, cmd.confirmPix(bolt11Destination(inv)), context);
      // The store writes the claim, then loses the acknowledgement (a deadline, a leader change).
      const append = store.append.bind(store);
      jest.spyOn(store, 'append').mockImplementationOnce(async (stream, events, expected) => {
        await append(stream, events, expected);
        throw new AppendOutcomeUnknownError(stream, 'deadline exceeded');
      });
      // Decided again on the stream as it is: the claim is there, so a second one is refused — the caller pays
      // nothing, and the unanswered claim is resolved later by a status check (docs: crash-safe, rule 6).
      await expect(handlePayoutCommand(deps, ORDER_ID, cmd.claim(inv), context, { from: loaded })).resolves.toMatchObject({
        ok: false,
        error: { code: 'payment_in_flight' },
      });
      expect((await repository.load(ORDER_ID)).state).toMatchObject({ hashes: { [inv.paymentHash]: { outcome: 'in_flight' } } });
      expect(await types()).toEqual(['PixConfirmed', 'DestinationSubmitted', 'PaymentAttempted']);
    },
  );
});
