import { LoggerService } from '@nestjs/common';
import { visibleText, withVisibleText } from '../../domain/text/visible-text';
import { LogLevel } from './log-level';
import { requestContext } from './request-context';

const SEVERITY: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A second line of defence: no code logs these, and should one slip into a structured line, it is masked. */
const REDACTED_KEYS = new Set(['adminkey', 'apikey', 'authorization', 'secret', 'x-api-key']);

const redact = (key: string, value: unknown): unknown => (REDACTED_KEYS.has(key.toLowerCase()) ? '[redacted]' : value);

/**
 * Any of REDACTED_KEYS as a key of the serialized line: only then is the line
 * serialized again with `redact` (a replacer would slow every line down).
 */
const MAY_HOLD_SECRET = /"(?:adminkey|apikey|authorization|secret|x-api-key)":/i;

type Fields = Record<string, unknown>;

/**
 * One JSON object per line, fields at the top level (`time` ISO-8601, `level`,
 * `context`, `msg`, the request's `correlationId`, then whatever the caller
 * passed as an object), so operators filter with jq by orderId, paymentHash
 * or correlationId. Nest's own Logger calls land here too.
 */
export class JsonLogger implements LoggerService {
  private readonly threshold: number;

  constructor(
    level: LogLevel,
    private readonly write: (line: string) => void = (line) => process.stdout.write(line),
  ) {
    this.threshold = SEVERITY[level];
  }

  isEnabled(level: LogLevel): boolean {
    return SEVERITY[level] >= this.threshold;
  }

  log(message: unknown, ...params: unknown[]): void {
    this.emit('info', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.emit('warn', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.emit('error', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.emit('error', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.emit('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.emit('debug', message, params);
  }

  /** For lines whose fields are known to be safe and flat (the access log): no redaction pass. */
  line(level: LogLevel, fields: Fields): void {
    if (SEVERITY[level] >= this.threshold) this.write(JSON.stringify(fields) + '\n');
  }

  private emit(level: LogLevel, message: unknown, params: unknown[]): void {
    if (SEVERITY[level] < this.threshold) return;
    // Nest's Logger appends its context as the last string argument; an error's stack (several lines) may come before it.
    const last = params[params.length - 1];
    const context = typeof last === 'string' && !last.includes('\n') ? (params.pop() as string) : undefined;
    const stack = params.find((param) => typeof param === 'string') as string | undefined;
    const line: Fields = { time: new Date().toISOString(), level, context, msg: undefined };
    const correlationId = requestContext.getStore()?.correlationId;
    if (correlationId !== undefined) line.correlationId = correlationId;
    if (message instanceof Error) {
      line.msg = message.message;
      line.stack = message.stack;
    } else if (typeof message === 'object' && message !== null) {
      const { msg, message: text, ...fields } = message as Fields;
      line.msg = msg ?? text;
      Object.assign(line, fields);
    } else {
      line.msg = message;
    }
    if (stack !== undefined) line.stack = stack;
    const visible = withVisibleText(line);
    // A stack's line breaks are its shape; only what is on each line could come from outside.
    if (typeof line.stack === 'string') visible.stack = line.stack.split('\n').map(visibleText).join('\n');
    const text = JSON.stringify(visible);
    this.write((MAY_HOLD_SECRET.test(text) ? JSON.stringify(visible, redact) : text) + '\n');
  }
}
