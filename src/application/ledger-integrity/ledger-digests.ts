import { Inject, Injectable, Logger } from '@nestjs/common';
import { LEDGER_DIGEST_RECORDED, LedgerDigest, ledgerDigestOf } from '../../domain/ledger/ledger-digest';
import { LEDGER_DIGEST_STREAM } from '../../domain/streams/stream-names';
import { CommandContext } from '../command-context';
import { CLOCK, Clock, ID_GENERATOR, IdGenerator } from '../ports/clock.port';
import { EVENT_STORE, EventStore, comparePositions } from '../ports/event-store.port';
import { appendChainedOnLatest } from './chained-append';
import { LedgerScan } from './ledger-scan';
import { schemaVersionOf } from '../../domain/events/event-catalogue';

/**
 * Records and lists ledger digests. Recording streams the whole log once,
 * keeping only each stream's head hash, up to the head position taken at the
 * start (appends made meanwhile go to the next digest).
 */
@Injectable()
export class LedgerDigests {
  private readonly logger = new Logger(LedgerDigests.name);

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async record(context: CommandContext): Promise<LedgerDigest> {
    const position = await this.store.headPosition();
    const scan = new LedgerScan(false);
    if (position !== null) {
      for await (const event of this.store.readAll()) {
        if (comparePositions(event.position, position) > 0) break;
        scan.add(event);
      }
    }
    const digest: LedgerDigest = {
      root: scan.root(),
      position,
      events: scan.events,
      streams: scan.streams,
      createdAt: this.clock.now().toISOString(),
    };
    await appendChainedOnLatest(this.store, LEDGER_DIGEST_STREAM, [
      {
        id: this.ids.next(),
        type: LEDGER_DIGEST_RECORDED,
        data: { ...digest },
        metadata: { ...context, schemaVersion: schemaVersionOf(LEDGER_DIGEST_RECORDED) },
      },
    ]);
    this.logger.log(
      `Ledger digest ${digest.root}: ${digest.events} events in ${digest.streams} streams up to position ${position ?? '(empty log)'}`,
    );
    return digest;
  }

  /** Newest first. */
  async list(limit: number): Promise<LedgerDigest[]> {
    const digests: LedgerDigest[] = [];
    for await (const event of this.store.readStream(LEDGER_DIGEST_STREAM, { direction: 'backwards', limit })) {
      const digest = ledgerDigestOf(event);
      if (digest) digests.push(digest);
    }
    return digests;
  }
}
