import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { MessagePage } from '../../common/chat-message';
import { MessageDto, toMessageDto } from './message.dto';

export class MessagePageDto {
  @ApiProperty({ example: '#ubuntu' })
  room!: string;

  @ApiProperty({ type: [MessageDto], description: 'Newest first (descending id)' })
  messages!: MessageDto[];

  @ApiProperty({ description: 'Whether older messages exist beyond this page' })
  hasMore!: boolean;

  @ApiPropertyOptional({
    example: '1733230000000-0',
    description: 'Pass as `before` to get the next (older) page; absent when hasMore is false',
  })
  nextBefore?: string;
}

export function toMessagePageDto(room: string, page: MessagePage): MessagePageDto {
  const messages = page.messages.map(toMessageDto);
  const oldest = messages.at(-1);
  return {
    room,
    messages,
    hasMore: page.hasMore,
    nextBefore: page.hasMore && oldest ? oldest.id : undefined,
  };
}
