import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import { Response } from 'express';
import { ApplicationError, ApplicationErrorKind } from '../../application/application-error';
import { ConcurrencyError } from '../../application/ports/event-store.port';

const STATUS: Record<ApplicationErrorKind, HttpStatus> = {
  invalid: HttpStatus.BAD_REQUEST,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  unprocessable: HttpStatus.UNPROCESSABLE_ENTITY,
};

const ERROR_NAMES: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  409: 'Conflict',
  422: 'Unprocessable Entity',
};

/** Use-case errors in Nest's error shape: { statusCode, error, message }, plus our machine-readable code. */
@Catch(ApplicationError, ConcurrencyError)
export class ApplicationErrorFilter implements ExceptionFilter {
  catch(exception: ApplicationError | ConcurrencyError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof ConcurrencyError) {
      response.status(409).json({ statusCode: 409, error: 'Conflict', message: 'The payout changed concurrently; retry the request', code: 'concurrency_conflict' });
      return;
    }
    const status = STATUS[exception.kind];
    response.status(status).json({ statusCode: status, error: ERROR_NAMES[status], message: exception.message, code: exception.code });
  }
}
