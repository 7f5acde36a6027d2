import { Query } from '@nestjs/cqrs';
import { VoltzStatus } from '../../wallet-monitor/voltz-monitor';

export class GetVoltzStatusQuery extends Query<VoltzStatus> {}
