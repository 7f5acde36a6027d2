import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { writeHeapSnapshot } from 'node:v8';
import { createApp } from '../../src/infrastructure/bootstrap/create-app';
import { loadConfig } from '../../src/infrastructure/config/load-config';
import { eventLoopAnswer } from './event-loop-answer';

/**
 * The service as main.ts runs it (same config loader, same createApp, its
 * own process and core), with two differences the bench needs: it listens
 * on 127.0.0.1 only (main.ts binds every interface) and talks to its parent
 * over the IPC channel — the port once listening, then its memory usage on
 * an interval. Logs go wherever the parent points stdout (a file).
 *
 * Messages to the parent:
 *   { kind: 'ready', port }
 *   { kind: 'memory', rss, heapUsed, external, arrayBuffers }   every MEMORY_SAMPLE_MS
 * From the parent:
 *   { kind: 'stop' }  -> closes the app (stores, read models) and exits 0
 *   { kind: 'heap-snapshot', path } -> writes a heap snapshot there, answers { kind: 'heap-snapshot', path }
 *   { kind: 'event-loop' } -> answers { kind: 'event-loop', idle, active }: the loop's idle and busy ms since start
 */
const MEMORY_SAMPLE_MS = 250;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const app = await createApp({ config });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;

  const sampleMemory = () => {
    const usage = process.memoryUsage();
    process.send?.({
      kind: 'memory',
      rss: usage.rss,
      heapUsed: usage.heapUsed,
      external: usage.external,
      arrayBuffers: usage.arrayBuffers,
    });
  };
  const sampler = setInterval(sampleMemory, MEMORY_SAMPLE_MS);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(sampler);
    sampleMemory();
    await app.close();
    // Lets --cpu-prof write its profile on the way out.
    process.exit(0);
  };
  process.on('message', (message: { kind?: string; path?: string }) => {
    if (message?.kind === 'stop') void stop();
    if (message?.kind === 'heap-snapshot' && message.path) process.send?.({ kind: 'heap-snapshot', path: writeHeapSnapshot(message.path) });
    if (message?.kind === 'event-loop') process.send?.(eventLoopAnswer());
  });
  // The parent died without saying goodbye: never outlive it.
  process.on('disconnect', () => void stop());
  process.send?.({ kind: 'ready', port });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
