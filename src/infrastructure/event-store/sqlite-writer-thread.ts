import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AppendOutcome, AppendRequest } from './sqlite-event-writer';

export interface WriterThreadData {
  filename: string;
  busyTimeoutMs: number;
}

/** To the writer thread: write a group (one transaction), or close the connection and end. */
export type ToWriter = { kind: 'write'; group: AppendRequest[] } | { kind: 'close' };
/** From it, one answer per group, in order: each append's outcome once committed, or why nothing was. */
export type FromWriter = { kind: 'written'; outcomes: AppendOutcome[] } | { kind: 'failed'; message: string; code?: string };

interface PendingAppend {
  request: AppendRequest;
  resolve: (outcome: AppendOutcome) => void;
  reject: (error: Error) => void;
}

/**
 * Group commit on a worker thread (sqlite-event-writer.worker.ts). One group
 * is in the thread's hands at a time; appends made meanwhile queue up and go
 * together as the next group once it is answered, so the slower the disk,
 * the bigger the groups — and the event loop never waits for an fsync.
 * Each caller is answered only when its group is committed.
 */
export class SqliteWriterThread {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private queued: PendingAppend[] = [];
  private inFlight: PendingAppend[] | null = null;
  private sendScheduled = false;
  private stopped: Error | null = null;
  private drainWaiters: (() => void)[] = [];

  constructor(
    data: WriterThreadData,
    /** Called once per committed group that wrote at least one event. */
    private readonly onWritten: () => void,
  ) {
    this.worker = startWorker(data);
    // An idle writer must not keep the process alive; a group in flight does (see send).
    this.worker.unref();
    this.worker.on('message', (message: FromWriter) => this.onAnswer(message));
    this.worker.on('error', (error) => this.stop(error));
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.stop(new Error(`The SQLite writer thread ended (exit code ${code})`));
        resolve();
      });
    });
  }

  /** Set once the thread cannot write any more (it failed, or the store was closed). */
  get failure(): Error | null {
    return this.stopped;
  }

  append(request: AppendRequest): Promise<AppendOutcome> {
    if (this.stopped) return Promise.reject(this.stopped);
    return new Promise((resolve, reject) => {
      this.queued.push({ request, resolve, reject });
      this.scheduleSend();
    });
  }

  /** Writes what was already asked for, then ends the thread. */
  async close(): Promise<void> {
    if (!this.stopped) {
      await new Promise<void>((resolve) => (this.idle() ? resolve() : this.drainWaiters.push(resolve)));
    }
    if (!this.stopped) {
      this.stopped = new Error('The event store is closed');
      this.worker.ref();
      this.worker.postMessage({ kind: 'close' } satisfies ToWriter);
    }
    await this.exited;
  }

  private scheduleSend(): void {
    if (this.sendScheduled || this.inFlight) return;
    this.sendScheduled = true;
    // setImmediate runs after the I/O callbacks of this turn of the loop:
    // everything they append joins the group.
    setImmediate(() => this.send());
  }

  private send(): void {
    this.sendScheduled = false;
    if (this.inFlight || this.queued.length === 0 || this.stopped) return;
    const group = this.queued;
    this.queued = [];
    this.inFlight = group;
    this.worker.ref();
    this.worker.postMessage({ kind: 'write', group: group.map((pending) => pending.request) } satisfies ToWriter);
  }

  private onAnswer(message: FromWriter): void {
    const group = this.inFlight ?? [];
    this.inFlight = null;
    if (message.kind === 'failed') {
      const error = Object.assign(new Error(message.message), message.code ? { code: message.code } : {});
      for (const pending of group) pending.reject(error);
    } else {
      group.forEach((pending, index) => pending.resolve(message.outcomes[index]));
      if (message.outcomes.some((outcome) => outcome.kind === 'appended' && outcome.written)) this.onWritten();
    }
    if (this.queued.length > 0) {
      this.scheduleSend();
      return;
    }
    this.worker.unref();
    this.wakeDrainWaiters();
  }

  private stop(error: Error): void {
    if (this.stopped === null) this.stopped = error;
    const lost = [...(this.inFlight ?? []), ...this.queued];
    this.inFlight = null;
    this.queued = [];
    for (const pending of lost) pending.reject(error);
    this.wakeDrainWaiters();
  }

  private idle(): boolean {
    return this.inFlight === null && this.queued.length === 0;
  }

  private wakeDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * Compiled, the thread runs the .js beside this file. Run from the
 * TypeScript sources (jest, the bench, `npm run demo`), it needs the same
 * TypeScript loader as the processes the tests spawn.
 */
function startWorker(workerData: WriterThreadData): Worker {
  const extension = extname(__filename);
  const entry = join(__dirname, `sqlite-event-writer.worker${extension}`);
  if (extension !== '.ts') return new Worker(entry, { workerData });
  const registerTs = join(__dirname, '..', '..', '..', 'test', 'support', 'register-ts.js');
  return new Worker(entry, { workerData, execArgv: ['--require', registerTs] });
}
