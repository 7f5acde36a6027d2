import { alertLine } from '../../application/alert-line';
import { Logger } from '@nestjs/common';
import { JsonLogger } from './json-logger.service';
import { requestContext } from './request-context';

describe('JsonLogger', () => {
  const capture = (level: 'debug' | 'info' | 'warn' | 'error') => {
    const lines: string[] = [];
    return { lines, logger: new JsonLogger(level, (line) => lines.push(line)), parsed: () => lines.map((line) => JSON.parse(line)) };
  };

  it("writes one line per call with top-level fields, ISO time and Nest's context", () => {
    const { lines, logger, parsed } = capture('debug');
    logger.log({ msg: 'payout step', orderId: 'o1', step: 'pay' }, 'PayoutProcessor');
    logger.warn('plain text', 'SandboxMode');
    expect(lines.every((line) => line.endsWith('\n') && line.indexOf('\n') === line.length - 1)).toBe(true);
    expect(parsed()).toEqual([
      {
        time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        level: 'info',
        context: 'PayoutProcessor',
        msg: 'payout step',
        orderId: 'o1',
        step: 'pay',
      },
      { time: expect.any(String), level: 'warn', context: 'SandboxMode', msg: 'plain text' },
    ]);
  });

  it('takes the correlation id from the request being served', () => {
    const { logger, parsed } = capture('info');
    requestContext.run({ correlationId: 'req-7' }, () => logger.log('inside', 'X'));
    logger.log('outside', 'X');
    expect(parsed().map((line) => line.correlationId)).toEqual(['req-7', undefined]);
  });

  it('keeps the stack of an error and masks secret-looking keys at any depth', () => {
    const { logger, parsed } = capture('info');
    logger.error('it broke', 'Error: it broke\n    at somewhere', 'Webhook');
    logger.log({ msg: 'call', request: { headers: { authorization: 'Bearer k', 'X-Api-Key': 'w' } }, secret: 's' }, 'X');
    logger.error('no context', 'Error: no context\n    at elsewhere');
    const [broke, call, bare] = parsed();
    expect(bare).toMatchObject({ msg: 'no context', stack: 'Error: no context\n    at elsewhere' });
    expect(bare.context).toBeUndefined();
    expect(broke).toMatchObject({ level: 'error', context: 'Webhook', msg: 'it broke', stack: 'Error: it broke\n    at somewhere' });
    expect(call).toMatchObject({ request: { headers: { authorization: '[redacted]', 'X-Api-Key': '[redacted]' } }, secret: '[redacted]' });
  });

  it('honours the level, for its own calls and for Nest loggers once installed', () => {
    const { logger, parsed } = capture('warn');
    Logger.overrideLogger(logger);
    try {
      new Logger('Quiet').log('dropped');
      new Logger('Quiet').debug('dropped');
      new Logger('Loud').warn('kept');
      new Logger('Loud').error('kept too');
    } finally {
      Logger.overrideLogger(false);
    }
    expect(parsed().map((line) => [line.level, line.context, line.msg])).toEqual([
      ['warn', 'Loud', 'kept'],
      ['error', 'Loud', 'kept too'],
    ]);
    expect(logger.isEnabled('info')).toBe(false);
  });

  it('an ALERT line carries its kind and its order as fields of their own, for log routers', () => {
    const { logger, parsed } = capture('info');
    Logger.overrideLogger(logger);
    try {
      new Logger('Payouts').error(alertLine('needs_attention', 'payout ord_1 needs attention: no route', { orderId: 'ord_1' }));
      new Logger('Voltz').error(alertLine('breaker_open', 'Voltz circuit breaker closed -> open', { orderId: null }));
    } finally {
      Logger.overrideLogger(false);
    }
    expect(parsed().map(({ level, context, msg, alert, orderId }) => ({ level, context, msg, alert, orderId }))).toEqual([
      {
        level: 'error',
        context: 'Payouts',
        msg: 'ALERT payout ord_1 needs attention: no route',
        alert: 'needs_attention',
        orderId: 'ord_1',
      },
      { level: 'error', context: 'Voltz', msg: 'ALERT Voltz circuit breaker closed -> open', alert: 'breaker_open', orderId: undefined },
    ]);
  });
});
