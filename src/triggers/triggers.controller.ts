import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';

import { BadEventFilter } from '../events/bad-event.filter';
import { ExportRequestedEventDto, MessageCreatedEventDto } from '../events/chat-event.dto';
import { ChatEvents } from '../events/chat-events';
import { EventPayloadPipe } from '../events/event-payload.pipe';
import { ExportTriggers } from './export-triggers.service';

/** Event handlers: validated payloads in, background exports out; nothing is ever answered. */
@Controller()
@UseFilters(BadEventFilter)
export class TriggersController {
  constructor(private readonly triggers: ExportTriggers) {}

  @EventPattern(ChatEvents.messageCreated)
  async messageCreated(
    @Payload(new EventPayloadPipe(MessageCreatedEventDto)) event: MessageCreatedEventDto,
  ): Promise<void> {
    await this.triggers.messageCreated(event.room);
  }

  @EventPattern(ChatEvents.exportRequested)
  async exportRequested(
    @Payload(new EventPayloadPipe(ExportRequestedEventDto)) event: ExportRequestedEventDto,
  ): Promise<void> {
    await this.triggers.exportRequested(event.room);
  }
}
