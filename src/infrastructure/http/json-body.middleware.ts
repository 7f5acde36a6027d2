import { HttpStatus } from '@nestjs/common';
import { NextFunction, Request, Response } from 'express';
import { httpError } from './http-exception.filter';

/** No request of this API nests deeper than 3; the margin leaves room for additions. */
const MAX_JSON_DEPTH = 32;

/** Keys that reach an object's prototype when a library merges or assigns them. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const JSON_CONTENT_TYPE = /^application\/json\s*(;|$)/i;

/**
 * Runs after the JSON parser, before any guard, pipe or validator sees the
 * body: a body that is not JSON is a 415 (the parser skipped it, so it would
 * otherwise reach validation as "missing"), and a parsed body is refused when
 * it nests too deep (validators and transformers recurse) or holds a key that
 * leads to a prototype.
 */
export function checkJsonBody(request: Request, _response: Response, next: NextFunction): void {
  if (hasBody(request) && !JSON_CONTENT_TYPE.test(request.headers['content-type'] ?? '')) {
    throw httpError(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      'The body must be JSON, sent as Content-Type: application/json',
      'unsupported_media_type',
    );
  }
  const problem = request.body === undefined ? null : inspect(request.body);
  if (problem) throw httpError(HttpStatus.BAD_REQUEST, problem.message, problem.code);
  next();
}

function hasBody(request: Request): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Iterative, so a hostile depth cannot exhaust the stack here either. */
function inspect(body: unknown): { message: string; code: string } | null {
  const pending: { value: unknown; depth: number }[] = [{ value: body, depth: 1 }];
  while (pending.length > 0) {
    const { value, depth } = pending.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) return { message: `The body must not nest deeper than ${MAX_JSON_DEPTH} levels`, code: 'body_too_deep' };
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return { message: `The body must not hold the key "${key}"`, code: 'forbidden_key' };
      pending.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1 });
    }
  }
  return null;
}
