import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** Nest's error shape plus the machine-readable `code` every 4xx carries. */
@ApiSchema({ name: 'Error' })
export class ErrorSchema {
  @ApiProperty({ type: 'integer', example: 400 })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request' })
  error: string;

  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'Names each bad field on a 400' })
  message: string | string[];

  @ApiProperty({ example: 'validation_failed', pattern: '^[a-z0-9_]+$', description: 'snake_case; see docs/api.md for the list' })
  code: string;
}
