import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { CLOCK, Clock } from '../../application/ports/clock.port';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ApiKeyThrottlerGuard } from './auth/api-key-throttler.guard';
import { ApiKeyGuard } from './auth/api-key.guard';
import { SlidingWindowThrottlerStorage } from './auth/sliding-window-throttler.storage';
import { HttpExceptionFilter } from './http-exception.filter';
import { RequestValidationPipe } from './request-validation.pipe';
import { StrictQueryGuard } from './strict-query.guard';

const MINUTE_MS = 60_000;

/**
 * What every route shares: the API key guard, then the per-key rate limit, the refusal of a query string a route does
 * not read, request validation, and the one error shape.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, CLOCK],
      useFactory: (config: AppConfig, clock: Clock) => ({
        throttlers: [{ ttl: MINUTE_MS, limit: config.rateLimitPerMinute }],
        storage: new SlidingWindowThrottlerStorage(clock),
        skipIf: () => config.rateLimitPerMinute === 0,
        errorMessage:
          `Too many requests for this API key (limit: ${config.rateLimitPerMinute} per minute); ` +
          'retry after the number of seconds in Retry-After',
      }),
    }),
  ],
  providers: [
    // Guards run in this order: the throttler counts by the key the first one verified.
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: ApiKeyThrottlerGuard },
    { provide: APP_GUARD, useClass: StrictQueryGuard },
    { provide: APP_FILTER, useClass: HttpExceptionFilter },
    { provide: APP_PIPE, useClass: RequestValidationPipe },
  ],
})
export class HttpModule {}
