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
export function ledgerProgram(): Command {
  const program = new Command('ledger')
    .description('audit the pix-lightning-ledger store: replay, verify, rebuild, reconcile, export, backup')
    .showHelpAfterError()
    .exitOverride();
  for (const command of [replayCommand(), verifyCommand(), rebuildCommand(), reconcileCommand(), exportCommand(), backupCommand()]) {
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
