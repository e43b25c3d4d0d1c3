import { Inject, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { MessagesModule } from '../messages/messages.module';
import { ImportController } from './import.controller';
import { ImportService } from './import.service';
import { acceptNdjsonBodies } from './ndjson-body';

@Module({
  imports: [MessagesModule],
  controllers: [ImportController],
  providers: [ImportService],
})
export class ImportModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Runs before Fastify starts listening, while content-type parsers may still be added. */
  onModuleInit(): void {
    acceptNdjsonBodies(
      this.adapterHost.httpAdapter.getInstance(),
      this.config.importBodyLimitBytes,
    );
  }
}
