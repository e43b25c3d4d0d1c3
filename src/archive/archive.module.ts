import { Module } from '@nestjs/common';

import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { MessagesModule } from '../messages/messages.module';
import { ValkeyService } from '../valkey/valkey.service';
import { ArchiveController } from './archive.controller';
import { ArchiveService } from './archive.service';
import { ArchiveState } from './archive-state';
import { ARCHIVE_STORE, createObjectStore } from './object-store.factory';

@Module({
  imports: [MessagesModule],
  controllers: [ArchiveController],
  providers: [
    {
      provide: ArchiveState,
      useFactory: (valkey: ValkeyService) => new ArchiveState(valkey.client),
      inject: [ValkeyService],
    },
    {
      provide: ARCHIVE_STORE,
      useFactory: (config: AppConfig) => createObjectStore(config),
      inject: [APP_CONFIG],
    },
    ArchiveService,
  ],
  exports: [ArchiveService, ArchiveState, ARCHIVE_STORE],
})
export class ArchiveModule {}
