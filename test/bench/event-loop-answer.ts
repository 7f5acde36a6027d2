import { performance } from 'node:perf_hooks';

/** A bench child's answer to { kind: 'event-loop' }: its loop's idle and busy ms since start. */
export function eventLoopAnswer(): { kind: 'event-loop'; idle: number; active: number } {
  const { idle, active } = performance.eventLoopUtilization();
  return { kind: 'event-loop', idle, active };
}
