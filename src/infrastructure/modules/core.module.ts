import { DynamicModule, Global, Module } from '@nestjs/common';
import { PAYOUT_SETTINGS } from '../../application/payout-settings';
import { CLOCK, Clock, ID_GENERATOR, IdGenerator, RANDOM, RandomSource } from '../../application/ports/clock.port';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { StoreFaults } from '../health/store-faults';
import { payoutSettingsFrom } from '../config/payout-settings.factory';
import { SystemClock } from '../system/system-clock';
import { TimeOrderedIdGenerator } from '../system/time-ordered-id-generator';

export interface CoreOptions {
  config: AppConfig;
  /** Tests inject their own clock and ids; production uses the system's. */
  clock?: Clock;
  ids?: IdGenerator;
  random?: RandomSource;
}

/** Configuration, time and randomness, and the store's faults: what every other module reads. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(options: CoreOptions): DynamicModule {
    const clock = options.clock ?? new SystemClock();
    const providers = [
      { provide: APP_CONFIG, useValue: options.config },
      { provide: PAYOUT_SETTINGS, useValue: payoutSettingsFrom(options.config) },
      { provide: CLOCK, useValue: clock },
      { provide: ID_GENERATOR, useValue: options.ids ?? new TimeOrderedIdGenerator(clock) },
      { provide: RANDOM, useValue: options.random ?? { next: Math.random } },
      StoreFaults,
    ];
    return { module: CoreModule, providers, exports: providers.map((p) => ('provide' in p ? p.provide : p)) };
  }
}
