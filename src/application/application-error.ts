/**
 * The one error type use cases throw for a request that cannot be honoured;
 * the HTTP layer maps its kind to a status code (404, 409, 422, 400).
 */
export type ApplicationErrorKind = 'not_found' | 'conflict' | 'unprocessable' | 'invalid';

export class ApplicationError extends Error {
  constructor(
    readonly kind: ApplicationErrorKind,
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ApplicationError';
  }
}
