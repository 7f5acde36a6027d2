import { EventStoreDBClient } from '@eventstore/db-client';
import { Logger } from '@nestjs/common';
import { createServer, type Server, type Socket } from 'node:net';
import { TestClock } from '../../../test/support/test-clock';
import { AppendOutcomeUnknownError, InvalidPositionError, NO_STREAM } from '../../application/ports/event-store.port';
import { EsdbEventStore } from './esdb-event-store';

/** A port nothing listens on: connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Accepts connections and never answers: a server that hangs. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const EVENT = {
  id: '6f0d5f39-4f7e-4d0b-9b44-0a6f4a1e2c10',
  type: 'PayoutRequested',
  data: {},
  metadata: { correlationId: 'c', causationId: null, actor: 'system' as const, schemaVersion: 1 },
};

describe('EsdbEventStore without a reachable server', () => {
  let warnings: string[];
  let clock: TestClock;
  const stores: EsdbEventStore[] = [];

  function storeAt(port: number, options: { resubscribeDelayMs?: number; pingTimeoutMs?: number } = {}): EsdbEventStore {
    const store = new EsdbEventStore({ connectionString: `esdb://ledger:s3cret-password@127.0.0.1:${port}?tls=false`, clock, ...options });
    stores.push(store);
    return store;
  }

  beforeEach(() => {
    warnings = [];
    clock = new TestClock(new Date('2026-01-01T00:00:00Z'));
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => void warnings.push(String(message)));
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    jest.restoreAllMocks();
  });

  it('refuses throwOnAppendFailure=false without quoting the connection string', () => {
    expect(
      () => new EsdbEventStore({ connectionString: 'esdb://ledger:s3cret-password@db:2113?throwOnAppendFailure=false', clock }),
    ).toThrow(/throwOnAppendFailure=false/);
    expect(() => new EsdbEventStore({ connectionString: 'esdb://ledger:s3cret-password@db:port', clock })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cret-password') }),
    );
  });

  it('ping rejects at once when the port is closed, naming no host, and logs one short line', async () => {
    const store = storeAt(await closedPort());
    const started = Date.now();
    const error = (await store.ping().catch((rejection: unknown) => rejection)) as Error;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error.message).toBe('EventStoreDB readiness probe failed: unavailable');
    await store.ping().catch(() => undefined);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^EventStoreDB readiness probe failed \(unavailable: .*\); \/health\/ready answers 503 until it succeeds$/);
    expect(warnings[0]).not.toContain('\n');
    expect(warnings[0]).not.toContain('s3cret-password');
  });

  it('ping gives up after its timeout when the server never answers', async () => {
    const server = await silentServer();
    try {
      const store = storeAt(server.port, { pingTimeoutMs: 300 });
      const started = Date.now();
      await expect(store.ping()).rejects.toThrow('EventStoreDB readiness probe failed: deadline-exceeded');
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(warnings).toEqual([expect.stringContaining('(deadline-exceeded: no answer within 300 ms)')]);
    } finally {
      await server.close();
    }
  });

  it('reports an append that failed for want of a connection as an unknown outcome', async () => {
    const store = storeAt(await closedPort());
    await expect(store.append('payout-1', [EVENT], NO_STREAM)).rejects.toBeInstanceOf(AppendOutcomeUnknownError);
  });

  it('logs a dropped subscription at most once per 30 s while it keeps retrying', async () => {
    const attempts = { count: 0, waiting: [] as Array<{ until: number; resolve: () => void }> };
    const subscribeToAll = EventStoreDBClient.prototype.subscribeToAll;
    jest.spyOn(EventStoreDBClient.prototype, 'subscribeToAll').mockImplementation(function (this: EventStoreDBClient, ...args) {
      attempts.count += 1;
      attempts.waiting = attempts.waiting.filter((waiter) => (attempts.count >= waiter.until ? (waiter.resolve(), false) : true));
      return subscribeToAll.apply(this, args);
    });
    const attempted = (until: number) => new Promise<void>((resolve) => attempts.waiting.push({ until, resolve }));

    const store = storeAt(await closedPort(), { resubscribeDelayMs: 5 });
    store.subscribe({ after: null }, () => undefined);
    await attempted(6);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^Subscription to \$all dropped after start \(unavailable: .*\); resubscribing every 5 ms$/);

    clock.advance(30_000);
    await attempted(attempts.count + 5);
    expect(warnings).toHaveLength(2);
  });

  it('refuses a malformed position with InvalidPositionError before asking the server', async () => {
    const store = storeAt(await closedPort());
    const read = store.readAll({ after: '12/x' })[Symbol.asyncIterator]();
    await expect(read.next()).rejects.toBeInstanceOf(InvalidPositionError);
    expect(() => store.subscribe({ after: 'garbage' }, () => undefined)).toThrow(InvalidPositionError);
  });
});
