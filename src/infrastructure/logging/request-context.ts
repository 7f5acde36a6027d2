import { AsyncLocalStorage } from 'async_hooks';

export interface RequestContext {
  correlationId: string;
}

/**
 * The request being served, wherever its work continues (guards, handlers,
 * sagas, the processor's steps): log lines pick the correlation id up without
 * every call passing it along.
 */
export const requestContext = new AsyncLocalStorage<RequestContext>();

/** What a caller may choose as a correlation id: it ends up in events and log lines, so nothing that could inject. */
const SANE_CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Request-Id (or X-Correlation-Id) when sane; null means "make one". */
export function givenCorrelationId(headers: Record<string, string | string[] | undefined>): string | null {
  const header = headers['x-request-id'] ?? headers['x-correlation-id'];
  return typeof header === 'string' && SANE_CORRELATION_ID.test(header) ? header : null;
}
