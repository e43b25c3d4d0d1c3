import { Module } from '@nestjs/common';

import { MessagesModule } from '../messages/messages.module';
import { ValkeyService } from '../valkey/valkey.service';
import { ArchiveController } from './archive.controller';
import { ArchiveService } from './archive.service';
import { ArchiveState } from './archive-state';

@Module({
  imports: [MessagesModule],
  controllers: [ArchiveController],
  providers: [
    {
      provide: ArchiveState,
      useFactory: (valkey: ValkeyService) => new ArchiveState(valkey.client),
      inject: [ValkeyService],
    },
    ArchiveService,
  ],
  exports: [ArchiveService, ArchiveState],
})
export class ArchiveModule {}
