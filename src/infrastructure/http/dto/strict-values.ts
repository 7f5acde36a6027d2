import { Transform } from 'class-transformer';
import { ValidateBy, ValidationOptions } from 'class-validator';

/**
 * JSON numbers beyond 2^53 are integers to class-validator's IsInt, yet no
 * longer the number that was sent (2^53 + 2 may arrive as 2^53 + 1 or + 3).
 */
export function IsSafeInteger(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSafeInteger',
      validator: {
        validate: (value: unknown) => Number.isSafeInteger(value),
        defaultMessage: (args) => `${args?.property} must be an integer between 1 and ${Number.MAX_SAFE_INTEGER}`,
      },
    },
    options,
  );
}

/** An ISO-8601 string is only well formed; this checks the instant it names lies in [earliest, latest). */
export function IsInstantBetween(earliest: Date, latest: Date, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstantBetween',
      validator: {
        validate: (value: unknown) => {
          const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
          return ms >= earliest.getTime() && ms < latest.getTime();
        },
        defaultMessage: (args) => `${args?.property} must be an instant from ${earliest.toISOString()} to before ${latest.toISOString()}`,
      },
    },
    options,
  );
}

const DECIMAL_DIGITS = /^[1-9][0-9]{0,14}$/;

/**
 * A query string's number: plain decimal digits only. Anything else ("1e3",
 * "1.0", "0x10", " 5", a repeated parameter) stays as sent, so IsInt refuses it
 * instead of Number() quietly reading it as some integer.
 */
export const ToStrictInteger = (): PropertyDecorator =>
  Transform(({ value }) => (typeof value === 'string' && DECIMAL_DIGITS.test(value) ? Number(value) : value));
