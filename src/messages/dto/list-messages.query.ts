import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

import { IsMessageId } from '../../common/message-id';
import { IsRoomName, ROOM_NAME_RULE } from '../../common/room-name';

export class ListMessagesQuery {
  @ApiProperty({ example: '#ubuntu', description: ROOM_NAME_RULE })
  @IsRoomName()
  room!: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number from 1 to 1000' })
  @Min(1, { message: 'limit must be a whole number from 1 to 1000' })
  @Max(1000, { message: 'limit must be a whole number from 1 to 1000' })
  limit: number = 100;

  @ApiPropertyOptional({
    example: '1733230000000-0',
    description: 'Cursor: only messages older than this id (the nextBefore of the last page)',
  })
  @IsOptional()
  @IsMessageId()
  before?: string;
}
