import { Module } from '@nestjs/common';

import { MessageTextLimit } from './dto/message-text-limit';
import { MessageStore } from './message-store';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';

@Module({
  controllers: [MessagesController],
  providers: [MessageStore, MessagesService, MessageTextLimit],
  exports: [MessageStore, MessagesService],
})
export class MessagesModule {}
