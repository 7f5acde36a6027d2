import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventLoopAnswer } from './event-loop-answer';

/**
 * The floor of any Node HTTP service on this machine: node:http answering
 * every request with a fixed JSON body — no framework, no store. Spoken to
 * like payout-service.bench-child.ts (ready, event-loop, stop), so the bench
 * reads its event-loop utilization under the same load as the service's.
 */
const BODY = JSON.stringify({ status: 'ok' });

const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(BODY)) });
  res.end(BODY);
});

server.listen(0, '127.0.0.1', () => {
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('message', (message: { kind?: string }) => {
    if (message?.kind === 'stop') stop();
    if (message?.kind === 'event-loop') process.send?.(eventLoopAnswer());
  });
  process.on('disconnect', stop);
  process.send?.({ kind: 'ready', port: (server.address() as AddressInfo).port });
});
