#!/usr/bin/env node
import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { backupCommand } from './backup.command';
import { EXIT_USAGE, UsageError } from './cli-errors';
import { exportCommand } from './export.command';
import { rebuildCommand } from './rebuild.command';
import { reconcileCommand } from './reconcile.command';
import { replayCommand } from './replay.command';
import { verifyCommand } from './verify.command';

/**
 * `npm run ledger -- <command>`: the auditors' and operators' tool, over the
 * same store and the same environment configuration as the service, without
 * the service (run it on a copy of the store). Exit codes: 0 all held, 1 a
 * violation or discrepancy found (listed), 2 usage or configuration error.
 */
const EXIT_CODES = 'Exit codes: 0 all held, 1 a violation or discrepancy was found (listed), 2 bad usage or configuration.';
const STORE_VARIABLES = 'EVENT_STORE, DATA_DIR, EVENTSTORE_CONNECTION_STRING, DATABASE_URL (each secret also as <NAME>_FILE)';

/** The environment each command reads, for --help: the service's own variables, nothing else. */
const READS: Record<string, string> = {
  replay: STORE_VARIABLES,
  verify: `${STORE_VARIABLES}; the timings the service recorded, else VOLTZ_TIMEOUT_MS, PAYMENT_NOT_FOUND_GRACE_MS, SENT_INVOICE_EXPIRY_SLACK_MS`,
  rebuild: `${STORE_VARIABLES}, VOLTZ_TIMEOUT_MS, PAYMENT_NOT_FOUND_GRACE_MS, SENT_INVOICE_EXPIRY_SLACK_MS`,
  reconcile: `${STORE_VARIABLES}, VOLTZ_URL, VOLTZ_READ_KEY (else VOLTZ_ADMIN_KEY), VOLTZ_TIMEOUT_MS; never an API key`,
  export: STORE_VARIABLES,
  backup: 'EVENT_STORE (sqlite only), DATA_DIR',
};

function ledgerProgram(): Command {
  const program = new Command('ledger')
    .description('audit the pix-lightning-ledger store: replay, verify, rebuild, reconcile, export, backup')
    .showHelpAfterError()
    .exitOverride()
    .addHelpText(
      'after',
      `\n${EXIT_CODES}\nEach command reads the service's configuration from the environment: see \`ledger <command> --help\`.`,
    );
  for (const command of [replayCommand(), verifyCommand(), rebuildCommand(), reconcileCommand(), exportCommand(), backupCommand()]) {
    command.addHelpText('after', `\n${EXIT_CODES}\nReads: ${READS[command.name()]}.`);
    program.addCommand(command.exitOverride().showHelpAfterError());
  }
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await ledgerProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    if (error instanceof UsageError) {
      process.stderr.write(`ledger: ${error.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`ledger: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_USAGE;
  }
}

if (require.main === module) {
  // Exits explicitly: an EventStoreDB client keeps sockets alive after close.
  void main(process.argv).then((code) => process.exit(code));
}
