import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintInvoice } from '../../src/infrastructure/sandbox/invoice-minter';
import { startSandbox, type Sandbox } from '../../src/infrastructure/sandbox/sandbox';
import type { BenchRow } from './bench-table';
import { SettlementWatcher, confirmRequests, httpClient, positiveInt, runLoad, startServiceProcess } from './payout-throughput.bench';

/**
 * What observability costs: settled payouts/s (raw BOLT11, closed loop) of a
 * service with it on against the same service with it off, in one run, the
 * two modes alternating over BENCH_OBS_ROUNDS rounds (each on a fresh data
 * dir, after a warm-up) so that drift of the host hits both alike. Reported:
 * the median of each mode, the median of the rounds' on/off ratios (the two
 * modes of a round run back to back, so a ratio compares like with like), and
 * the service's CPU per payout in each mode, which a busy host disturbs less
 * than throughput. While "on" runs, /metrics is scraped every 5 s, as
 * Prometheus would.
 *
 * The modes are environments of the service: BENCH_OBS_ON_ENV and
 * BENCH_OBS_OFF_ENV (JSON objects). Defaults: on = metrics and access log
 * (`METRICS_ENABLED=true`, `LOG_LEVEL=info`), off = neither
 * (`METRICS_ENABLED=false`, `LOG_LEVEL=warn`).
 * Env: BENCH_OBS_PAYOUTS (10000 per measurement), BENCH_OBS_ROUNDS (5), BENCH_CONCURRENCY (64).
 */
const PAYOUTS = positiveInt(process.env.BENCH_OBS_PAYOUTS, 10_000);
const ROUNDS = positiveInt(process.env.BENCH_OBS_ROUNDS, 5);
const CONCURRENCY = positiveInt(process.env.BENCH_CONCURRENCY, 64);
const WARM_UP = 1_000;
const SCRAPE_EVERY_MS = 5_000;
const AMOUNT_SATS = 1_000;
const KEYS = { bot: 'bench-bot-key-0123456789abcdefgh', admin: 'bench-admin-key-0123456789abcdefgh' };
const MODES = {
  on: envOf('BENCH_OBS_ON_ENV', { METRICS_ENABLED: 'true', LOG_LEVEL: 'info' }),
  off: envOf('BENCH_OBS_OFF_ENV', { METRICS_ENABLED: 'false', LOG_LEVEL: 'warn' }),
};

function envOf(name: string, fallback: Record<string, string>): Record<string, string> {
  const raw = process.env[name];
  if (!raw) return fallback;
  const parsed = JSON.parse(raw) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Object.values(parsed).some((v) => typeof v !== 'string'))
    throw new Error(`${name} must be a JSON object of strings`);
  return parsed as Record<string, string>;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function benchObservabilityOverhead(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'obs-bench-'));
  const run = randomBytes(3).toString('hex');
  const log = (line: string) => process.stderr.write(`[observability-overhead] ${line}\n`);
  const results: Record<keyof typeof MODES, number[]> = { on: [], off: [] };
  const cpuPerPayout: Record<keyof typeof MODES, number[]> = { on: [], off: [] };
  let sandbox: Sandbox | null = null;
  const request = confirmRequests(run);
  const confirm = (orderId: string) => request(orderId, mintInvoice({ network: 'regtest', amountMsat: AMOUNT_SATS * 1000 }).bolt11);

  try {
    sandbox = await startSandbox({ network: 'regtest' });
    sandbox.lnbits.setBalance(Number.MAX_SAFE_INTEGER);
    let measurement = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternate which mode goes first, so neither always runs on a warmer host.
      const order: (keyof typeof MODES)[] = round % 2 === 1 ? ['off', 'on'] : ['on', 'off'];
      for (const mode of order) {
        const dataDir = join(dir, `${mode}-${round}`);
        const service = await startServiceProcess({
          dataDir,
          env: {
            VOLTZ_URL: sandbox.lnbitsUrl,
            VOLTZ_ADMIN_KEY: sandbox.adminKey,
            LIGHTNING_NETWORK: 'regtest',
            BOT_API_KEYS: KEYS.bot,
            ADMIN_API_KEYS: KEYS.admin,
            ...MODES[mode],
          },
        });
        const watcher = new SettlementWatcher(join(dataDir, 'events.sqlite'));
        const client = httpClient(service.url, CONCURRENCY);
        let scraper: NodeJS.Timeout | null = null;
        try {
          await watcher.start();
          const measure = async (count: number) => {
            const prefix = `m${++measurement}${run}-`;
            const requests = Array.from({ length: count }, (_, index) => confirm(`${prefix}${index}`));
            const settled = watcher.settled(prefix, count, 120_000 + count * 10);
            settled.catch(() => undefined);
            const cpuBefore = service.cpuMs() ?? Number.NaN;
            const load = await runLoad(client, count, CONCURRENCY, (index) => requests[index]);
            const perSecond = count / (Number((await settled) - load.startedAt) / 1e9);
            return { perSecond, cpuMsPerPayout: ((service.cpuMs() ?? Number.NaN) - cpuBefore) / count };
          };
          await measure(WARM_UP);
          let scrapes = 0;
          if (mode === 'on') {
            scraper = setInterval(() => {
              client.request('GET', '/metrics', undefined, KEYS.admin).then(
                (answer) => {
                  if (answer.status === 200) scrapes += 1;
                },
                // A scrape cut short as the service stops is no result of the bench.
                () => undefined,
              );
            }, SCRAPE_EVERY_MS);
          }
          const { perSecond, cpuMsPerPayout } = await measure(PAYOUTS);
          results[mode].push(perSecond);
          cpuPerPayout[mode].push(cpuMsPerPayout);
          const scraped = mode === 'on' ? `, ${scrapes} scrapes` : '';
          log(
            `round ${round} ${mode} (${JSON.stringify(MODES[mode])}): ${PAYOUTS} settled at ${perSecond.toFixed(0)}/s, ` +
              `service CPU ${cpuMsPerPayout.toFixed(2)} ms per payout${scraped}`,
          );
        } finally {
          if (scraper) clearInterval(scraper);
          client.close();
          await watcher.close();
          await service.stop();
        }
      }
    }
  } finally {
    await sandbox?.close();
    if (process.env.BENCH_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  }
  const on = median(results.on);
  const off = median(results.off);
  const roundRatio = median(results.on.map((value, round) => value / results.off[round]));
  const cpuOn = median(cpuPerPayout.on);
  const cpuOff = median(cpuPerPayout.off);
  return [
    { name: 'settled payouts/s, observability off (median)', value: off, unit: '/s' },
    { name: 'settled payouts/s, observability on (median; target >= 90 % of off)', value: on, unit: '/s', baseline: off, ratio: on / off },
    { name: "  on/off settled payouts/s, median of the rounds' ratios", value: roundRatio * 100, unit: '%' },
    { name: '  service CPU per payout, on (median; off = baseline)', value: cpuOn, unit: 'ms', baseline: cpuOff, ratio: cpuOn / cpuOff },
  ];
}
