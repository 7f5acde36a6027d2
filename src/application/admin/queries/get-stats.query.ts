import { Query } from '@nestjs/cqrs';
import type { AdminStatsView } from './get-stats.handler';

export class GetStatsQuery extends Query<AdminStatsView> {}
