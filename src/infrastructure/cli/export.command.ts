import { Command } from 'commander';
import { EventStore } from '../../application/ports/event-store.port';
import { orderIdOfPayoutStream } from '../../domain/streams/stream-names';
import { UsageError } from './cli-errors';
import { cliConfig, withStore } from './cli-store';
import { ProgressReporter, logSize } from './cli-progress-reporter';

const COLUMNS = [
  'orderId',
  'endToEndId',
  'amountCents',
  'amountSats',
  'feeMsat',
  'paymentHash',
  'preimage',
  'settledAt',
  'outflow',
] as const;
type Row = Record<(typeof COLUMNS)[number], string | number | null>;

/**
 * `ledger export --from --to`: every payment that left the wallet, for
 * accounting, from the log itself (not a read model): each order's payout
 * (`outflow` = payout) and each further payment of a double-paid order
 * (`outflow` = double_payment, dated when it was detected). Only orders still
 * waiting for their settlement are held in memory; a double payment, rare,
 * reads its order's stream again for the PIX it answers.
 */
export function exportCommand(): Command {
  return new Command('export')
    .description('every outflow (payouts and double payments) dated in [--from, --to), as CSV or JSON lines')
    .requiredOption('--from <date>', 'ISO date or time, inclusive', (value) => isoDate(value, '--from'))
    .requiredOption('--to <date>', 'ISO date or time, exclusive', (value) => isoDate(value, '--to'))
    .option(
      '--format <format>',
      'csv or jsonl',
      (value) => {
        if (value !== 'csv' && value !== 'jsonl') throw new UsageError('--format must be csv or jsonl');
        return value;
      },
      'csv',
    )
    .action(async (options: { from: string; to: string; format: 'csv' | 'jsonl' }) => {
      if (options.from >= options.to) throw new UsageError('--from must be before --to');
      const config = cliConfig();
      const out = process.stdout;
      await withStore(config, async (store) => {
        if (options.format === 'csv') out.write(`${COLUMNS.join(',')}\n`);
        const confirmed = new Map<string, Pix>();
        const progress = new ProgressReporter('export');
        let events = 0;
        const write = (row: Row) =>
          out.write(
            options.format === 'csv' ? `${COLUMNS.map((column) => csvField(row[column])).join(',')}\n` : `${JSON.stringify(row)}\n`,
          );
        const inPeriod = (at: string) => at >= options.from && at < options.to;
        const total = await logSize(store);
        for await (const event of store.readAll()) {
          progress.update(++events, total);
          const orderId = orderIdOfPayoutStream(event.stream);
          if (orderId === null) continue;
          const data = event.data;
          if (event.type === 'DoublePaymentDetected') {
            const detectedAt = String(data.detectedAt);
            const pix = inPeriod(detectedAt) ? await pixOf(store, event.stream) : null;
            if (!pix) continue;
            write({
              orderId,
              ...pix,
              feeMsat: Number(data.feeMsat),
              paymentHash: String(data.paymentHash),
              preimage: (data.preimage as string | null) ?? null,
              settledAt: detectedAt,
              outflow: 'double_payment',
            });
          } else if (event.type === 'PixConfirmed') {
            confirmed.set(orderId, {
              endToEndId: String(data.endToEndId),
              amountCents: Number(data.amountCents),
              amountSats: Number(data.amountSats),
            });
          } else if (event.type === 'PaymentSettled') {
            const pix = confirmed.get(orderId);
            confirmed.delete(orderId);
            const settledAt = String(data.settledAt);
            if (!pix || !inPeriod(settledAt)) continue;
            write({
              orderId,
              ...pix,
              feeMsat: Number(data.feeMsat),
              paymentHash: String(data.paymentHash),
              preimage: (data.preimage as string | null) ?? null,
              settledAt,
              outflow: 'payout',
            });
          }
        }
        progress.done();
      });
    });
}

type Pix = { endToEndId: string; amountCents: number; amountSats: number };

async function pixOf(store: EventStore, stream: string): Promise<Pix | null> {
  for await (const event of store.readStream(stream)) {
    if (event.type === 'PixConfirmed')
      return {
        endToEndId: String(event.data.endToEndId),
        amountCents: Number(event.data.amountCents),
        amountSats: Number(event.data.amountSats),
      };
  }
  return null;
}

function isoDate(value: string, name: string): string {
  const ms = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(value) ? Date.parse(value) : NaN;
  // Date.parse rolls an impossible day over (2026-02-30 becomes 2 March): the calendar date must read back the same.
  if (Number.isNaN(ms) || !sameCalendarDate(value, ms))
    throw new UsageError(`${name} must be an ISO date (2025-07-01) or time (2025-07-01T12:00:00Z) that exists`);
  return new Date(ms).toISOString();
}

function sameCalendarDate(value: string, ms: number): boolean {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day && Number.isFinite(ms);
}

function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
