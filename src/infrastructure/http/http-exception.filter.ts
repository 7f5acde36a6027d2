import { ArgumentsHost, Catch, HttpException, HttpStatus } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { Response } from 'express';
import { STATUS_CODES } from 'http';
import { ApplicationError, ApplicationErrorKind } from '../../application/application-error';
import { ConcurrencyError, StoreUnavailableError } from '../../application/ports/event-store.port';
import { StoreFaults } from '../health/store-faults';

const STATUS: Record<ApplicationErrorKind, HttpStatus> = {
  invalid: HttpStatus.BAD_REQUEST,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  unprocessable: HttpStatus.UNPROCESSABLE_ENTITY,
};

/** body-parser's error types (Nest hands them over as HttpExceptions whose cause is the parser's error). */
const BODY_PARSER_CODES: Record<string, string> = {
  'entity.parse.failed': 'malformed_json',
  'entity.too.large': 'payload_too_large',
  'encoding.unsupported': 'unsupported_content_encoding',
  'charset.unsupported': 'unsupported_charset',
  'request.aborted': 'request_aborted',
  'request.size.invalid': 'request_size_invalid',
};

/** The code of a 4xx that did not name its own. */
const DEFAULT_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'route_not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  code: string;
}

/** How our own code raises an HTTP error: the `code` rides in the response object. */
export function httpError(status: HttpStatus, message: string | string[], code: string): HttpException {
  return new HttpException({ statusCode: status, error: STATUS_CODES[status], message, code }, status);
}

/**
 * Every error in Nest's shape { statusCode, error, message } plus a snake_case
 * `code` on every 4xx: use-case errors, guards, pipes, unknown routes, and what
 * body-parser and the router refuse before a controller runs. 5xx go to Nest's
 * own handling, which logs them and tells the client nothing more.
 */
@Catch()
export class HttpExceptionFilter extends BaseExceptionFilter {
  constructor(private readonly faults: StoreFaults) {
    super();
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    // A store fault from a read model (the same SQLite file, or PostgreSQL) is a 503 with its code, never a 500.
    const body = toErrorBody(exception instanceof HttpException ? exception : (this.faults.classify(exception, 'read') ?? exception));
    if (body === null) return super.catch(exception, host);
    host.switchToHttp().getResponse<Response>().status(body.statusCode).json(body);
  }
}

function toErrorBody(exception: unknown): ErrorBody | null {
  if (exception instanceof ApplicationError) return errorBody(STATUS[exception.kind], exception.message, exception.code);
  if (exception instanceof ConcurrencyError)
    return errorBody(409, 'The payout changed concurrently; retry the request', 'concurrency_conflict');
  // The one 5xx with a body of ours: the client learns it may retry, and nothing was recorded by halves.
  if (exception instanceof StoreUnavailableError) return errorBody(503, exception.message, exception.code);
  if (!(exception instanceof HttpException) || exception.getStatus() >= 500) return null;
  const status = exception.getStatus();
  const response = exception.getResponse();
  const given = typeof response === 'object' ? (response as Partial<ErrorBody>) : { message: response };
  return errorBody(
    status,
    given.message ?? exception.message,
    given.code ?? causeCode(exception.cause) ?? DEFAULT_CODES[status] ?? 'client_error',
  );
}

function causeCode(cause: unknown): string | undefined {
  if (cause instanceof URIError) return 'malformed_path';
  const type = (cause as { type?: unknown } | undefined)?.type;
  return typeof type === 'string' ? BODY_PARSER_CODES[type] : undefined;
}

function errorBody(status: number, message: string | string[], code: string): ErrorBody {
  return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message, code };
}
