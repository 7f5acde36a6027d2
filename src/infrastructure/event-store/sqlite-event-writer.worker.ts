import { parentPort, workerData } from 'node:worker_threads';
import { SqliteEventWriter } from './sqlite-event-writer';
import type { FromWriter, ToWriter, WriterThreadData } from './sqlite-writer-thread';

/**
 * The SQLite event store's writer thread: the blocking part of an append —
 * BEGIN IMMEDIATE (which may wait for another process's write lock), the
 * inserts, and the COMMIT with its fsync — runs here, so the service's event
 * loop keeps serving requests and preparing the next group meanwhile.
 * Messages: see SqliteWriterThread, which starts it.
 */

const port = parentPort!;
const answer = (message: FromWriter) => port.postMessage(message);
const { filename, busyTimeoutMs } = workerData as WriterThreadData;
const writer = new SqliteEventWriter(filename, busyTimeoutMs);

port.on('message', (message: ToWriter) => {
  if (message.kind === 'close') {
    writer.close();
    port.close();
    return;
  }
  try {
    answer({ kind: 'written', outcomes: writer.write(message.group) });
  } catch (error) {
    // Nothing of the group was committed (BEGIN or COMMIT failed: busy, I/O error).
    const { message: text, code } = error as { message?: string; code?: string };
    answer({ kind: 'failed', message: String(text ?? error), code });
  }
});
