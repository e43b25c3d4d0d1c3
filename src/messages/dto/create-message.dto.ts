import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';

import { IsRoomName, ROOM_NAME_RULE } from '../../common/room-name';
import { IsWithinMessageLimit } from './message-text-limit';

/** Printable user names: no control characters, not only white space. */
const USER_NAME_PATTERN = /^(?!\s*$)[^\p{Cc}]+$/u;

export class CreateMessageDto {
  @ApiProperty({ example: '#ubuntu', description: ROOM_NAME_RULE })
  @IsRoomName()
  room!: string;

  @ApiProperty({ example: 'alice', minLength: 1, maxLength: 64 })
  @IsString()
  @Length(1, 64, { message: 'user must be 1 to 64 characters' })
  @Matches(USER_NAME_PATTERN, {
    message: 'user must not be only white space or contain control characters',
  })
  user!: string;

  @ApiProperty({
    example: 'Hello World!',
    description: 'Any characters, including new lines and tabs; 1 to MESSAGE_MAX_LENGTH of them',
    minLength: 1,
  })
  @IsString()
  @IsWithinMessageLimit()
  text!: string;
}
