import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, Clock } from '../ports/clock.port';
import { FALLBACK_QUEUE, FallbackQueueReadModel } from '../ports/fallback-queue.port';
import { NO_METRICS, PAYOUT_METRICS, PayoutMetrics } from '../ports/payout-metrics.port';
import { ProcessOutcome, PayoutProcessor } from './payout-processor';
import { SweepSummary } from '../ports/payout-metrics.port';

/** One sweep looks at this many due orders at most; the rest wait for the next tick. */
const SWEEP_BATCH = 1000;
/** Orders revisited at once: Voltz is slow, so several in flight, but not a flood. */
const SWEEP_CONCURRENCY = 8;

/**
 * Revisits every due order of the fallback view. No lock: two sweeps (in one
 * process or two) may pick the same order, and the claim's expected revision
 * lets only one of them pay.
 */
@Injectable()
export class FallbackSweeper {
  private readonly logger = new Logger(FallbackSweeper.name);

  constructor(
    private readonly processor: PayoutProcessor,
    @Inject(FALLBACK_QUEUE) private readonly queue: FallbackQueueReadModel,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PAYOUT_METRICS) private readonly metrics: PayoutMetrics = NO_METRICS,
  ) {}

  async sweep(): Promise<SweepSummary> {
    const started = this.clock.now().getTime();
    const due = await this.queue.due(this.clock.now(), SWEEP_BATCH);
    const outcomes: ProcessOutcome[] = [];
    let next = 0;
    const worker = async () => {
      while (next < due.length) {
        const item = due[next++];
        try {
          outcomes.push(await this.processor.process(item.orderId, 'sweep'));
        } catch (error) {
          // One order's trouble (the store briefly locked, say) must not stop the sweep for the others.
          this.logger.error({ msg: 'sweep could not revisit order', orderId: item.orderId, error: (error as Error).message });
          outcomes.push({ orderId: item.orderId, status: item.status, attempted: false });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(SWEEP_CONCURRENCY, due.length) }, worker));
    const summary = summarize(outcomes);
    this.metrics.sweepFinished(Math.max(0, this.clock.now().getTime() - started) / 1000, summary);
    if (summary.examined > 0) this.logger.log({ msg: 'fallback sweep', ...summary });
    return summary;
  }
}

function summarize(outcomes: ProcessOutcome[]): SweepSummary {
  const summary: SweepSummary = {
    examined: outcomes.length,
    settled: 0,
    retried: 0,
    stillPending: 0,
    escalated: 0,
    failed: 0,
    cancelled: 0,
  };
  for (const outcome of outcomes) {
    if (outcome.status === 'SETTLED') summary.settled++;
    else if (outcome.status === 'NEEDS_ATTENTION') summary.escalated++;
    else if (outcome.status === 'FAILED') summary.failed++;
    else if (outcome.status === 'CANCELLED') summary.cancelled++;
    else if (outcome.attempted) summary.retried++;
    else summary.stillPending++;
  }
  return summary;
}
