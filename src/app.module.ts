import { DynamicModule, Module } from '@nestjs/common';

import { ArchiveModule } from './archive/archive.module';
import { MessageClock, ValkeyClock } from './common/message-clock';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { ImportModule } from './import/import.module';
import { MessagesModule } from './messages/messages.module';
import { TriggersModule } from './triggers/triggers.module';
import { ValkeyModule } from './valkey/valkey.module';

/** What tests may replace in the application. */
export interface AppOverrides {
  readonly clock?: MessageClock;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, overrides: AppOverrides = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config, overrides.clock ?? new ValkeyClock()),
        ValkeyModule,
        EventsModule,
        HealthModule,
        MessagesModule,
        ArchiveModule,
        ImportModule,
        ...(config.triggersEnabled ? [TriggersModule] : []),
      ],
    };
  }
}
