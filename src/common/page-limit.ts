import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** How many messages one page may hold; every paged route takes the same bound. */
export const PAGE_LIMIT_MAX = 1000;
const PAGE_LIMIT_RULE = `limit must be a whole number from 1 to ${PAGE_LIMIT_MAX}`;

/** An optional `limit` query parameter: a whole number from 1 to PAGE_LIMIT_MAX. */
export function IsPageLimit(): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    Type(() => Number),
    IsInt({ message: PAGE_LIMIT_RULE }),
    Min(1, { message: PAGE_LIMIT_RULE }),
    Max(PAGE_LIMIT_MAX, { message: PAGE_LIMIT_RULE }),
  );
}
