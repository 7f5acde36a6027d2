import { Command } from 'commander';
import { StoredEvent } from '../../application/ports/event-store.port';
import { payoutStreamName } from '../../domain/streams/stream-names';
import { UsageError } from './cli-errors';
import { cliConfig, withStore } from './cli-store';
import { formatTimelineEvent } from './event-timeline';

/** `ledger replay <orderId> [--json]`: one order's stream as a timeline, or as JSON lines. */
export function replayCommand(): Command {
  return new Command('replay')
    .description("print an order's stream as a readable timeline (time, revision, event, key fields, actor, correlation id)")
    .argument('<orderId>', 'the order to replay')
    .option('--json', 'one JSON object per event instead of the timeline')
    .action(async (orderId: string, options: { json?: boolean }) => {
      const stream = payoutStreamName(orderId);
      const events: StoredEvent[] = [];
      await withStore(cliConfig(), async (store) => {
        for await (const event of store.readStream(stream)) {
          events.push(event);
          process.stdout.write(
            options.json
              ? `${JSON.stringify(event)}\n`
              : events.length === 1
                ? `${stream}\n${formatTimelineEvent(event)}\n`
                : `${formatTimelineEvent(event)}\n`,
          );
        }
      });
      if (events.length === 0) throw new UsageError(`no stream ${stream}: unknown order`);
    });
}
