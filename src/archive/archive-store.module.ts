import { DynamicModule, Global, Module } from '@nestjs/common';

import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { LocalObjectStore } from './local-object-store';
import { ObjectStore } from './object-store';

/** Injection token of the archive's ObjectStore. */
export const ARCHIVE_STORE = Symbol('ARCHIVE_STORE');

/** The archive store, local or (later) S3, or the one a test hands in. */
@Global()
@Module({})
export class ArchiveStoreModule {
  static forRoot(override?: ObjectStore): DynamicModule {
    return {
      module: ArchiveStoreModule,
      providers: [
        override
          ? { provide: ARCHIVE_STORE, useValue: override }
          : {
              provide: ARCHIVE_STORE,
              inject: [APP_CONFIG],
              useFactory: (config: AppConfig) => createArchiveStore(config),
            },
      ],
      exports: [ARCHIVE_STORE],
    };
  }
}

function createArchiveStore(config: AppConfig): ObjectStore {
  if (config.storage === 's3') {
    throw new Error('STORAGE=s3 needs the S3 archive store, which this build does not have');
  }
  return new LocalObjectStore(config.archiveDir);
}
