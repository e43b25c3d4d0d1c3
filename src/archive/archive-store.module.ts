import { DynamicModule, Global, Module } from '@nestjs/common';

import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ARCHIVE_STORE, ArchiveObjectStore, createObjectStore } from './object-store.factory';

/**
 * The one archive store of the application, for the module that writes the archive and the one
 * that reads it: global, so that neither has to import the other (the archive module imports
 * the messages module, which pages into the archive through the history module).
 */
@Global()
@Module({})
export class ArchiveStoreModule {
  static forRoot(override?: ArchiveObjectStore): DynamicModule {
    return {
      module: ArchiveStoreModule,
      providers: [
        override
          ? { provide: ARCHIVE_STORE, useValue: override }
          : {
              provide: ARCHIVE_STORE,
              inject: [APP_CONFIG],
              useFactory: (config: AppConfig) => createObjectStore(config),
            },
      ],
      exports: [ARCHIVE_STORE],
    };
  }
}
