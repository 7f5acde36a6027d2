import { Injectable } from '@nestjs/common';
import { LogFollower } from './log-follower';

/** Every follower running in this process, for readiness (and metrics): each registers itself when created. */
@Injectable()
export class LogFollowers {
  private readonly followers: LogFollower[] = [];

  add(follower: LogFollower): void {
    this.followers.push(follower);
  }

  all(): readonly LogFollower[] {
    return this.followers;
  }
}
