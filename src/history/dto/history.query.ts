import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsOptional,
  IsString,
  Length,
  registerDecorator,
  ValidationOptions,
} from 'class-validator';

import { IsMessageId } from '../../common/message-id';
import { IsPageLimit } from '../../common/page-limit';
import { IsRoomName, ROOM_NAME_RULE } from '../../common/room-name';

/** A date (UTC midnight) or a date and time with `Z` or an offset: never the server's zone. */
const INSTANT_PATTERN =
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export function parseInstant(value: unknown): number | undefined {
  if (typeof value !== 'string' || !INSTANT_PATTERN.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isInstant',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: {
        message:
          `${propertyName.toString()} must be an ISO-8601 time with Z or an offset, ` +
          'such as 2024-12-03T12:00:00Z, or a date such as 2024-12-03',
        ...options,
      },
      validator: { validate: (value: unknown) => parseInstant(value) !== undefined },
    });
}

export class HistoryQueryDto {
  @ApiProperty({ example: '#ubuntu', description: ROOM_NAME_RULE })
  @IsRoomName()
  room!: string;

  @ApiPropertyOptional({
    example: '2024-12-03T00:00:00Z',
    description: 'Only messages accepted at or after this time',
  })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({
    example: '2024-12-04T00:00:00Z',
    description: 'Only messages accepted before this time (exclusive)',
  })
  @IsOptional()
  @IsInstant()
  to?: string;

  @ApiPropertyOptional({ example: 'alice', description: 'Only messages of this author' })
  @IsOptional()
  @IsString()
  @Length(1, 64, { message: 'user must be 1 to 64 characters' })
  user?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsPageLimit()
  limit: number = 100;

  @ApiPropertyOptional({
    example: '1733230000000-0',
    description: 'Cursor: only messages older than this id; the page is newest first',
  })
  @IsOptional()
  @IsMessageId()
  before?: string;

  @ApiPropertyOptional({
    example: '1733230000000-0',
    description: 'Cursor: only messages newer than this id; without `before`, oldest first',
  })
  @IsOptional()
  @IsMessageId()
  after?: string;
}
