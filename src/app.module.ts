import { DynamicModule, Module } from '@nestjs/common';

import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { MessagesModule } from './messages/messages.module';
import { ValkeyModule } from './valkey/valkey.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        ValkeyModule,
        EventsModule,
        HealthModule,
        MessagesModule,
      ],
    };
  }
}
