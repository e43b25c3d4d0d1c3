import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';

import { IsRoomName, ROOM_NAME_RULE } from '../../common/room-name';

export class CreateExportDto {
  @ApiPropertyOptional({
    example: '#ubuntu',
    description: `The room to archive; every room when absent. ${ROOM_NAME_RULE}`,
  })
  @IsOptional()
  @IsRoomName()
  room?: string;
}
