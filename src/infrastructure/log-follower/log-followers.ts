import { Injectable } from '@nestjs/common';
import { FollowerProbe } from './log-follower';

/** Every follower of this process, for readiness (and metrics): each registers itself when created. */
@Injectable()
export class LogFollowers {
  private readonly followers: FollowerProbe[] = [];

  add(follower: FollowerProbe): void {
    this.followers.push(follower);
  }

  all(): readonly FollowerProbe[] {
    return this.followers;
  }
}
