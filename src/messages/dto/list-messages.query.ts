import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';

import { IsMessageId } from '../../common/message-id';
import { IsPageLimit } from '../../common/page-limit';
import { IsRoomName, ROOM_NAME_RULE } from '../../common/room-name';

export class ListMessagesQuery {
  @ApiProperty({ example: '#ubuntu', description: ROOM_NAME_RULE })
  @IsRoomName()
  room!: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsPageLimit()
  limit: number = 100;

  @ApiPropertyOptional({
    example: '1733230000000-0',
    description: 'Cursor: only messages older than this id (the nextBefore of the last page)',
  })
  @IsOptional()
  @IsMessageId()
  before?: string;
}
