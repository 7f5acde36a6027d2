import { SetMetadata } from '@nestjs/common';
import { Role } from '../../config/app-config';

export const ROLES_KEY = 'roles';

/** Each route accepts exactly the roles written beside it in api.md. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);
