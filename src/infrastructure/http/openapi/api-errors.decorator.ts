import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorSchema } from './error.schema';

/** The 4xx a route can answer besides those of the key guard, each with the error body and what its codes mean. */
export const ApiErrors = (errors: Record<number, string>): MethodDecorator =>
  applyDecorators(
    ...Object.entries(errors).map(([status, description]) => ApiResponse({ status: Number(status), type: ErrorSchema, description })),
  );
