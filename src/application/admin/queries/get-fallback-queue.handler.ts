import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { FALLBACK_QUEUE, FallbackQueueItem, FallbackQueueReadModel } from '../../ports/fallback-queue.port';
import { GetFallbackQueueQuery } from './get-fallback-queue.query';

@QueryHandler(GetFallbackQueueQuery)
export class GetFallbackQueueHandler implements IQueryHandler<GetFallbackQueueQuery> {
  constructor(@Inject(FALLBACK_QUEUE) private readonly queue: FallbackQueueReadModel) {}

  async execute(query: GetFallbackQueueQuery): Promise<{ items: FallbackQueueItem[] }> {
    return { items: await this.queue.list(query.limit) };
  }
}
