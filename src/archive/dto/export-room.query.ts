import { ApiProperty } from '@nestjs/swagger';

import { IsRoomName, ROOM_NAME_RULE } from '../../common/room-name';

export class ExportRoomQuery {
  @ApiProperty({ example: '#ubuntu', description: ROOM_NAME_RULE })
  @IsRoomName()
  room!: string;
}
