import { IsISO8601, IsOptional, IsString, Length } from 'class-validator';

import { IsMessageId } from '../common/message-id';
import { IsRoomName } from '../common/room-name';
import { ExportRequestedEvent, MessageCreatedEvent } from './chat-events';

/**
 * Payloads of the events the service handles, validated like HTTP bodies: anyone who can
 * publish on Valkey can send them, so nothing in them is trusted before it passes.
 */
export class MessageCreatedEventDto implements MessageCreatedEvent {
  @IsMessageId()
  id!: string;

  @IsRoomName()
  room!: string;

  @IsString()
  @Length(1, 64, { message: 'user must be 1 to 64 characters' })
  user!: string;

  @IsString()
  text!: string;

  @IsISO8601({ strict: true }, { message: 'ts must be an ISO-8601 time' })
  ts!: string;
}

export class ExportRequestedEventDto implements ExportRequestedEvent {
  @IsOptional()
  @IsRoomName()
  room?: string;
}
