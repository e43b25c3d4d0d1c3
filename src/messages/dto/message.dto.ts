import { ApiProperty } from '@nestjs/swagger';

import { ChatMessage } from '../../common/chat-message';

export class MessageDto {
  @ApiProperty({ example: '1733230000000-0', description: 'Unique and ordered within the room' })
  id!: string;

  @ApiProperty({ example: '#ubuntu' })
  room!: string;

  @ApiProperty({ example: 'alice' })
  user!: string;

  @ApiProperty({ example: 'Hello World!' })
  text!: string;

  @ApiProperty({
    example: '2024-12-03T12:26:40.000Z',
    description: 'When the service accepted the message, ISO-8601 UTC with milliseconds',
  })
  ts!: string;
}

export function toMessageDto(message: ChatMessage): MessageDto {
  return {
    id: message.id,
    room: message.room,
    user: message.user,
    text: message.text,
    ts: new Date(message.ts).toISOString(),
  };
}
