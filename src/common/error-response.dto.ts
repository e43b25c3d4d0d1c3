import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';

/** The one error body of every 4xx and 5xx answer. */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({ example: 'text must be 1 to 4000 characters' })
  message!: string;
}

const ERROR_EXAMPLES: Record<number, string> = {
  400: 'The request is invalid; the message says which field and what is allowed',
  413: 'The body is larger than the limit',
  415: 'The body is not of the content type the route takes',
  500: 'An unexpected error; nothing internal is revealed',
  503: 'A dependency (Valkey or the archive store) is unavailable; retry later',
};

/** Documents the error answers of a route with the shared error body. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: ERROR_EXAMPLES[status], type: ErrorResponseDto }),
    ),
  );
}
