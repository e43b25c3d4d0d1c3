import { Module } from '@nestjs/common';

import { HistoryModule } from '../history/history.module';
import { MessageTextLimit } from './dto/message-text-limit';
import { MessageStore } from './message-store';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';

@Module({
  imports: [HistoryModule],
  controllers: [MessagesController],
  providers: [MessageStore, MessagesService, MessageTextLimit],
  exports: [MessageStore, MessagesService],
})
export class MessagesModule {}
