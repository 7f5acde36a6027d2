import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { VoltzMonitor, VoltzStatus } from '../../wallet-monitor/voltz-monitor';
import { GetVoltzStatusQuery } from './get-voltz-status.query';

@QueryHandler(GetVoltzStatusQuery)
export class GetVoltzStatusHandler implements IQueryHandler<GetVoltzStatusQuery> {
  constructor(private readonly monitor: VoltzMonitor) {}

  async execute(): Promise<VoltzStatus> {
    return this.monitor.status();
  }
}
