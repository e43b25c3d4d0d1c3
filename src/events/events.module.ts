import { Global, Module } from '@nestjs/common';

import { BadEventLog } from './bad-event-log';
import { ChatEventServer } from './chat-event.server';
import { EventPublisher } from './event-publisher.service';

@Global()
@Module({
  providers: [EventPublisher, BadEventLog, ChatEventServer],
  exports: [EventPublisher, BadEventLog, ChatEventServer],
})
export class EventsModule {}
