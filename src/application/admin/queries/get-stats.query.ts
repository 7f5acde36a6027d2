import { Query } from '@nestjs/cqrs';
import { AdminStats } from '../../ports/admin-stats.port';

export class GetStatsQuery extends Query<AdminStats> {}
