import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiResponse } from '@nestjs/swagger';
import { Role } from '../../config/app-config';
import { ErrorSchema } from '../openapi/error.schema';
import { BEARER_AUTH } from '../openapi/open-api';

export const ROLES_KEY = 'roles';

/**
 * Each route accepts exactly the roles written beside it in docs/api.md; the
 * same list documents the route in OpenAPI, with the refusals every keyed
 * route can give.
 */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(ROLES_KEY, roles),
    ApiBearerAuth(BEARER_AUTH),
    ApiExtension('x-roles', roles),
    ApiResponse({ status: 401, type: ErrorSchema, description: '`missing_api_key` or `unknown_api_key`' }),
    ApiResponse({ status: 403, type: ErrorSchema, description: '`forbidden_role`' }),
    ApiResponse({ status: 429, type: ErrorSchema, description: '`rate_limited`, with Retry-After (seconds)' }),
  );
