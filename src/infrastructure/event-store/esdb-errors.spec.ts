import {
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  InvalidArgumentError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { AppendOutcomeUnknownError, ConcurrencyError, NO_STREAM } from '../../application/ports/event-store.port';
import { describeEsdbError, esdbErrorKind, toAppendError } from './esdb-errors';

const STREAM = 'payout-1';

/** What @grpc/grpc-js rejects with: an Error carrying a numeric status code and details. */
function grpcServiceError(code: number, details: string, metadata: Record<string, string> = {}): Error {
  return Object.assign(new Error(`${code} ${details}`), {
    code,
    details,
    metadata: { getMap: () => metadata },
  });
}

const GRPC = { CANCELLED: 1, UNKNOWN: 2, DEADLINE_EXCEEDED: 4, ABORTED: 10, INTERNAL: 13, UNAVAILABLE: 14 };

describe('toAppendError', () => {
  it('turns a wrong expected version into a ConcurrencyError carrying the actual revision', () => {
    const conflict = new WrongExpectedVersionError(undefined, { streamName: STREAM, expected: BigInt(3), current: BigInt(5) });
    const error = toAppendError(STREAM, 3, conflict);
    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(error).toMatchObject({ stream: STREAM, expected: 3, actual: 5 });
    const missing = new WrongExpectedVersionError(undefined, { streamName: STREAM, expected: BigInt(0), current: NO_STREAM });
    expect(toAppendError(STREAM, 0, missing)).toMatchObject({ actual: NO_STREAM });
  });

  it.each([
    ['deadline exceeded', new DeadlineExceededError(undefined, 'Deadline exceeded')],
    ['a server-side commit timeout', new TimeoutError(undefined, 'Operation timed out')],
    ['unavailable', new UnavailableError(undefined, 'No connection established')],
    ['cancelled by the server', new CancelledError(undefined, 'Cancelled')],
    ['an unclassified gRPC failure', new UnknownError(undefined, 'Received RST_STREAM with code 2')],
    [
      'not leader',
      new NotLeaderError(
        grpcServiceError(GRPC.UNAVAILABLE, 'Leader info available', {
          'leader-endpoint-host': '10.0.0.2',
          'leader-endpoint-port': '2113',
        }) as never,
      ),
    ],
    ['a raw gRPC UNAVAILABLE (thrown before the client converts it)', grpcServiceError(GRPC.UNAVAILABLE, 'No connection established')],
    ['a raw gRPC DEADLINE_EXCEEDED', grpcServiceError(GRPC.DEADLINE_EXCEEDED, 'Deadline exceeded')],
    ['a raw gRPC ABORTED', grpcServiceError(GRPC.ABORTED, 'Operation timed out')],
    ['a raw gRPC INTERNAL (stream reset)', grpcServiceError(GRPC.INTERNAL, 'Received RST_STREAM with code 2')],
    ['a connection reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
  ])('reports %s as an unknown outcome, so callers re-read the stream', (_, thrown) => {
    const error = toAppendError(STREAM, 2, thrown);
    expect(error).toBeInstanceOf(AppendOutcomeUnknownError);
    expect((error as AppendOutcomeUnknownError).stream).toBe(STREAM);
    expect(error.message).not.toContain('\n');
  });

  it.each([
    ['access denied', new AccessDeniedError(undefined, 'Access denied')],
    ['a bad request', new InvalidArgumentError('event id is not a UUID')],
    ['a deleted stream', StreamDeletedError.fromStreamName(STREAM)],
    ['an oversized append', MaxAppendSizeExceededError.fromMaxAppendSize(1_048_576)],
    ['a raw gRPC UNAUTHENTICATED', grpcServiceError(16, 'Unauthenticated')],
    ['a programming error', new TypeError('cannot read properties of undefined')],
  ])('keeps %s an ordinary error: the write definitely did not happen', (_, thrown) => {
    const error = toAppendError(STREAM, 2, thrown);
    expect(error).not.toBeInstanceOf(AppendOutcomeUnknownError);
    expect(error).not.toBeInstanceOf(ConcurrencyError);
    expect(error).toBeInstanceOf(Error);
  });

  it('never fails while classifying a look-alike of a gRPC error', () => {
    const lookAlike = Object.assign(new Error('odd'), { code: 99 });
    expect(toAppendError(STREAM, 2, lookAlike)).toBeInstanceOf(Error);
  });
});

describe('describeEsdbError', () => {
  it('is one line naming the kind of failure, without a stack', () => {
    const line = describeEsdbError(grpcServiceError(GRPC.UNAVAILABLE, 'No connection established.\nLast error: connect ECONNREFUSED'));
    expect(line).toBe('unavailable: 14 No connection established.');
  });

  it('has a kind alone, naming no host', () => {
    expect(esdbErrorKind(grpcServiceError(GRPC.UNAVAILABLE, 'connect ECONNREFUSED 10.0.0.5:2113'))).toBe('unavailable');
    expect(esdbErrorKind(new AccessDeniedError(undefined, 'Access denied'))).toBe('access-denied');
    expect(esdbErrorKind(new Error('no answer within 1500 ms'))).toBe('Error');
  });
});
