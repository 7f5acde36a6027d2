import { TestClock } from '../../../test/support/test-clock';
import { ThrottledLog } from './throttled-log';

describe('ThrottledLog', () => {
  function setUp(): { log: ThrottledLog; lines: string[]; clock: TestClock } {
    const lines: string[] = [];
    const clock = new TestClock(new Date('2026-01-01T00:00:00Z'));
    return { log: new ThrottledLog((line) => lines.push(line), clock, 30_000), lines, clock };
  }

  it('writes at most one line per interval while the condition lasts', () => {
    const { log, lines, clock } = setUp();
    log.report('down 1');
    clock.advance(1_000);
    log.report('down 2');
    clock.advance(28_999);
    log.report('down 3');
    expect(lines).toEqual(['down 1']);
    clock.advance(1);
    log.report('down 4');
    clock.advance(29_999);
    log.report('down 5');
    expect(lines).toEqual(['down 1', 'down 4']);
  });

  it('announces the end only of a reported condition, and reports the next one at once', () => {
    const { log, lines, clock } = setUp();
    log.resolve('up');
    expect(lines).toEqual([]);
    log.report('down');
    clock.advance(1_000);
    log.resolve('up');
    log.resolve('up again');
    clock.advance(1_000);
    log.report('down again');
    expect(lines).toEqual(['down', 'up', 'down again']);
  });
});
