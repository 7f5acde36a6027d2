import {
  ArgumentMetadata,
  HttpException,
  HttpStatus,
  Injectable,
  PipeTransform,
  ValidationError,
  ValidationPipe,
  ValidationPipeOptions,
} from '@nestjs/common';
import { httpError } from './http-exception.filter';

/**
 * A DTO property's validators name the code of the 400 they cause with
 * `context: { code }`; a failure without one is `validation_failed`.
 */
export const code = (value: string) => ({ context: { code: value } });

class CodedValidationPipe extends ValidationPipe {
  override createExceptionFactory(): (errors?: ValidationError[]) => unknown {
    const messages = super.createExceptionFactory();
    return (errors: ValidationError[] = []) => {
      const response = (messages(errors) as HttpException).getResponse() as { message: string[] };
      return httpError(HttpStatus.BAD_REQUEST, response.message, codeOf(errors));
    };
  }
}

function codeOf(errors: ValidationError[]): string {
  const codes = new Set<string>();
  const pending = [...errors];
  while (pending.length > 0) {
    const error = pending.pop()!;
    pending.push(...(error.children ?? []));
    for (const constraint of Object.keys(error.constraints ?? {})) {
      codes.add(
        constraint === 'whitelistValidation' ? 'unknown_query_parameter' : (error.contexts?.[constraint]?.code ?? 'validation_failed'),
      );
    }
  }
  return codes.size === 1 ? [...codes][0] : 'validation_failed';
}

/** Query keys that lead to a prototype: refused outright, as Nest would otherwise strip `__proto__` silently. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * `name[]=x` (or `name[k]=x`) gives a parameter in a form this API never
 * takes: it is judged as `name` holding an array, so it fails that name's
 * checks (and code) instead of passing as an unknown key.
 */
function bracketKeysAsArrays(query: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    const bracket = key.indexOf('[');
    const name = bracket > 0 ? key.slice(0, bracket) : key;
    if (PROTOTYPE_KEYS.has(name)) throw httpError(HttpStatus.BAD_REQUEST, [`property ${name} should not exist`], 'unknown_query_parameter');
    result[name] = Object.hasOwn(result, name) || bracket > 0 ? [result[name], value].flat().filter((v) => v !== undefined) : value;
  }
  return result;
}

const SHARED: ValidationPipeOptions = { whitelist: true, transform: true, stopAtFirstError: false };

/**
 * Bodies must be JSON objects; fields the bot may add later are stripped
 * (forbidding them would break it on every addition). Query strings are
 * strict: a parameter no route reads is refused, since it is most likely a
 * misspelling whose intent would otherwise be silently ignored.
 */
@Injectable()
export class RequestValidationPipe implements PipeTransform {
  private readonly body = new CodedValidationPipe(SHARED);
  private readonly query = new CodedValidationPipe({ ...SHARED, forbidNonWhitelisted: true });

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'query' && metadata.data === undefined) {
      return this.query.transform(bracketKeysAsArrays(value as Record<string, unknown>), metadata);
    }
    if (metadata.type === 'body' && metadata.data === undefined && metadata.metatype !== undefined && !isPlainObject(value)) {
      throw httpError(HttpStatus.BAD_REQUEST, ['The body must be a JSON object'], 'body_not_object');
    }
    return this.body.transform(value, metadata);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
