import { randomUUID } from 'crypto';
import { IdGenerator } from '../../application/ports/clock.port';

export class RandomIdGenerator implements IdGenerator {
  next(): string {
    return randomUUID();
  }
}
