import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { LedgerDigest } from '../../../domain/ledger/ledger-digest';
import { LedgerDigests } from '../../ledger-integrity/ledger-digests';
import { RecordLedgerDigestCommand } from './record-ledger-digest.command';

@CommandHandler(RecordLedgerDigestCommand)
export class RecordLedgerDigestHandler implements ICommandHandler<RecordLedgerDigestCommand> {
  constructor(private readonly digests: LedgerDigests) {}

  execute(command: RecordLedgerDigestCommand): Promise<LedgerDigest> {
    return this.digests.record(command.context);
  }
}
