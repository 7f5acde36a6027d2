import { Query } from '@nestjs/cqrs';
import { FallbackQueueItem } from '../../ports/fallback-queue.port';

export class GetFallbackQueueQuery extends Query<{ items: FallbackQueueItem[] }> {
  constructor(readonly limit: number) {
    super();
  }
}
