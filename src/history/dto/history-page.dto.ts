import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { MessageDto, toMessageDto } from '../../messages/dto/message.dto';
import { HistoryPage } from '../history.service';

export class HistoryPageDto {
  @ApiProperty({ example: '#ubuntu' })
  room!: string;

  @ApiProperty({
    enum: ['desc', 'asc'],
    description: 'desc: newest first (the default); asc: oldest first (with `after` alone)',
  })
  order!: 'desc' | 'asc';

  @ApiProperty({ type: [MessageDto] })
  messages!: MessageDto[];

  @ApiProperty({ description: 'Whether more messages exist beyond this page, in its order' })
  hasMore!: boolean;

  @ApiPropertyOptional({
    example: '1733230000000-0',
    description: 'Newest first: pass as `before` for the next (older) page; absent at the end',
  })
  nextBefore?: string;

  @ApiPropertyOptional({
    example: '1733230000000-0',
    description: 'Oldest first: pass as `after` for the next (newer) page; absent at the end',
  })
  nextAfter?: string;
}

export function toHistoryPageDto(room: string, page: HistoryPage): HistoryPageDto {
  const messages = page.messages.map(toMessageDto);
  const last = messages.at(-1);
  const next = page.hasMore && last ? last.id : undefined;
  return {
    room,
    order: page.order,
    messages,
    hasMore: page.hasMore,
    nextBefore: page.order === 'desc' ? next : undefined,
    nextAfter: page.order === 'asc' ? next : undefined,
  };
}
