import { ProgressReporter, eta } from './cli-progress-reporter';

/** A log file, not a terminal: plain lines. */
function plainStream(): { stream: NodeJS.WriteStream; lines: string[] } {
  const lines: string[] = [];
  return { stream: { isTTY: false, write: (text: string) => lines.push(text) } as unknown as NodeJS.WriteStream, lines };
}

describe('ProgressReporter (plain lines)', () => {
  let now = 1_000_000;
  beforeEach(() => jest.spyOn(Date, 'now').mockImplementation(() => now));
  afterEach(() => jest.restoreAllMocks());

  it('shows the total, how far and the time left when the total is known', () => {
    const { stream, lines } = plainStream();
    const progress = new ProgressReporter('verify: reading the log', stream);
    now += 2_000;
    progress.update(1_000, 4_000);
    expect(lines).toEqual(['verify: reading the log: 1000/4000 (25 %, ETA 6 s)\n']);
  });

  it('never prints "n/0": without a total (or with one the count outgrew) only the count', () => {
    const { stream, lines } = plainStream();
    const progress = new ProgressReporter('export', stream);
    now += 2_000;
    progress.update(3_325);
    now += 2_000;
    progress.update(3_400, 0);
    now += 2_000;
    progress.update(3_500, 3_000);
    expect(lines).toEqual(['export: 3325\n', 'export: 3400\n', 'export: 3500\n']);
  });

  it('formats long waits in minutes', () => {
    expect(eta(10, 1_000, 6_000)).toBe('ETA 9 min 54 s');
    expect(eta(0, 1_000, 6_000)).toBe('ETA unknown');
  });
});
