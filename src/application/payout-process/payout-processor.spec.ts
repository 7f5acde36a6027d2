import { Logger } from '@nestjs/common';
import { Invoice } from '../../domain/destination/invoice';
import { PayOutcome, PaymentStatus } from '../../domain/payment/wallet-answers';
import { ORDER_ID, NOW, bolt11Destination, cmd, invoice } from '../../domain/payout/payout.fixtures';
import { SqliteEventStore } from '../../infrastructure/event-store/sqlite-event-store';
import { TimeOrderedIdGenerator } from '../../infrastructure/system/time-ordered-id-generator';
import { TestClock } from '../../../test/support/test-clock';
import { CommandContext } from '../command-context';
import { PayoutSettings } from '../payout-settings';
import { WalletPort } from '../ports/wallet.port';
import { PayoutCommandDeps } from '../payouts/handle-payout-command';
import { PayoutRepository } from '../payouts/payout-repository';
import { payoutCommandsOver } from '../../../test/support/payout-commands';
import { PAYOUT_SETTINGS_DEFAULTS } from '../../../test/support/payout-settings';
import { PayoutEffects } from './payout-effects';
import { PayoutProcessor } from './payout-processor';

const SETTINGS: PayoutSettings = PAYOUT_SETTINGS_DEFAULTS;

/** A wallet whose POSTs answer from a script (or throw: the process died there). */
class ScriptedWallet implements WalletPort {
  readonly posts: string[] = [];
  constructor(private readonly answers: (PayOutcome | Error)[]) {}
  async pay(invoice: Invoice): Promise<PayOutcome> {
    this.posts.push(invoice.paymentHash);
    const answer = this.answers.shift() ?? { kind: 'settled', preimage: 'pre', feeMsat: 1000 };
    if (answer instanceof Error) throw answer;
    return answer;
  }
  async checkPayment(): Promise<PaymentStatus> {
    return { kind: 'pending' };
  }
  async getWallet(): Promise<never> {
    throw new Error('not used');
  }
  async listPayments(): Promise<never> {
    throw new Error('not used');
  }
}

/**
 * The thin loop around the workflow, on the real store: how it handles what
 * goes wrong. An error that is not a refusal (the wallet call blew up, the
 * process is dying) leaves the run at once and frees the order for the next
 * trigger; a refusal of the decider (another worker moved first) ends the run
 * quietly; a second trigger joins the run in progress.
 */
describe('PayoutProcessor: the loop', () => {
  const context: CommandContext = { correlationId: 'c', causationId: null, actor: 'bot' };
  const inv = invoice('loop');
  let store: SqliteEventStore;
  let deps: PayoutCommandDeps;
  let run: ReturnType<typeof payoutCommandsOver>['run'];
  let repository: PayoutRepository;

  beforeEach(async () => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const clock = new TestClock(NOW);
    store = new SqliteEventStore({ filename: ':memory:', clock });
    ({ deps, repository, run } = payoutCommandsOver(store, clock, SETTINGS));
    await run(ORDER_ID, cmd.confirmPix(bolt11Destination(inv)), context);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await store.close();
  });

  const processorWith = (wallet: WalletPort): PayoutProcessor => {
    const clock = new TestClock(NOW);
    const effects = new PayoutEffects(
      deps,
      wallet,
      { resolve: async () => ({ ok: false, permanent: true, reason: 'unused' }) },
      { permit: () => ({ allowed: true }) },
    );
    return new PayoutProcessor(repository, effects, SETTINGS, clock, { next: () => 0.5 }, new TimeOrderedIdGenerator(clock));
  };
  const types = async (): Promise<string[]> => {
    const seen: string[] = [];
    for await (const event of store.readStream(`payout-${ORDER_ID}`)) seen.push(event.type);
    return seen;
  };

  it(
    'an error that is no refusal leaves the run at once (the claim stays, unanswered) ' + 'and frees the order for the next trigger',
    async () => {
      const wallet = new ScriptedWallet([new Error('socket hang up in the client itself')]);
      const processor = processorWith(wallet);
      await expect(processor.process(ORDER_ID, 'event')).rejects.toThrow('socket hang up');
      expect(await types()).toEqual(['PixConfirmed', 'DestinationSubmitted', 'PaymentAttempted']);
      // A later trigger runs anew: the unanswered claim is within the wallet timeout, so it is left alone.
      await expect(processor.process(ORDER_ID, 'sweep')).resolves.toMatchObject({ status: 'PAYING', attempted: false });
      expect(wallet.posts).toHaveLength(1);
    },
  );

  it('a refusal of the decider (another worker claimed first) ends the run quietly, paying nothing', async () => {
    const wallet = new ScriptedWallet([]);
    const processor = processorWith(wallet);
    const stale = await repository.load(ORDER_ID);
    await run(ORDER_ID, cmd.claim(inv), context);
    await expect(processor.process(ORDER_ID, 'event', undefined, stale)).resolves.toMatchObject({ orderId: ORDER_ID, status: 'PAYING' });
    expect(wallet.posts).toEqual([]);
  });

  it('in-process tries spent -> the retry is queued for the sweep; a second trigger meanwhile joins the same run', async () => {
    const busy: PayOutcome = { kind: 'rejected', reason: 'rate limit', category: 'limit' };
    const wallet = new ScriptedWallet([busy, busy]);
    const processor = processorWith(wallet);
    const [first, second] = await Promise.all([processor.process(ORDER_ID, 'event'), processor.process(ORDER_ID, 'sweep')]);
    expect(second).toBe(first);
    expect(first).toMatchObject({ status: 'RETRY_QUEUED', attempted: true });
    expect(wallet.posts).toHaveLength(2);
    expect((await types()).slice(-1)).toEqual(['RetryQueued']);
  });
});
