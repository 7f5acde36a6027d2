import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { Request } from 'express';
import { httpError } from './http-exception.filter';

/**
 * A route that reads no query string refuses one: `?limit=0` on a route
 * without paging is most likely a caller's mistake whose intent would
 * otherwise be silently ignored. Routes that take `@Query()` have their DTO
 * judge each parameter (RequestValidationPipe). Runs after the key guards, so
 * a caller without a key learns nothing about a route's parameters.
 */
@Injectable()
export class StrictQueryGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const names = Object.keys(context.switchToHttp().getRequest<Request>().query ?? {});
    if (names.length === 0 || readsQuery(context)) return true;
    throw httpError(
      HttpStatus.BAD_REQUEST,
      names.map((name) => `property ${name} should not exist`),
      'unknown_query_parameter',
    );
  }
}

function readsQuery(context: ExecutionContext): boolean {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), context.getHandler().name) ?? {}) as Record<string, unknown>;
  return Object.keys(args).some((key) => key.startsWith(`${RouteParamtypes.QUERY}:`));
}
