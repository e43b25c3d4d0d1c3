import { DynamicModule, Module } from '@nestjs/common';

import { ArchiveModule } from './archive/archive.module';
import { ArchiveStoreModule } from './archive/archive-store.module';
import { ArchiveObjectStore } from './archive/object-store.factory';
import { MessageClock, ValkeyClock } from './common/message-clock';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { HistoryModule } from './history/history.module';
import { ImportModule } from './import/import.module';
import { MessagesModule } from './messages/messages.module';
import { TriggersModule } from './triggers/triggers.module';
import { ValkeyModule } from './valkey/valkey.module';

/** What tests may replace in the application. */
export interface AppOverrides {
  readonly clock?: MessageClock;
  /** The archive store the application reads and prepares (the export worker opens its own). */
  readonly archiveStore?: ArchiveObjectStore;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, overrides: AppOverrides = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config, overrides.clock ?? new ValkeyClock()),
        ValkeyModule,
        ArchiveStoreModule.forRoot(overrides.archiveStore),
        EventsModule,
        HealthModule,
        MessagesModule,
        ArchiveModule,
        HistoryModule,
        ImportModule,
        ...(config.triggersEnabled ? [TriggersModule] : []),
      ],
    };
  }
}
