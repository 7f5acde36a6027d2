import { Command } from '@nestjs/cqrs';
import { LedgerDigest } from '../../../domain/ledger/ledger-digest';
import { CommandContext } from '../../command-context';

/** POST /v1/admin/ledger/digest: a digest now, answered with what was recorded. */
export class RecordLedgerDigestCommand extends Command<LedgerDigest> {
  constructor(readonly context: CommandContext) {
    super();
  }
}
