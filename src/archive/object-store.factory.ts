import { AppConfig } from '../config/app-config';
import { LocalObjectStore } from './local-object-store';
import { ObjectStore } from './object-store';
import { S3ObjectStore } from './s3-object-store';

/** Injection token of the configured archive store, for modules that read the archive. */
export const ARCHIVE_STORE = Symbol('ARCHIVE_STORE');

/** A store that checks (or creates) its place before first use and can be closed. */
export interface ArchiveObjectStore extends ObjectStore {
  prepare(): Promise<void>;
  close?(): void;
}

/** The configured archive store: a local directory (default) or an S3 bucket. */
export function createObjectStore(config: AppConfig): ArchiveObjectStore {
  return config.storage === 's3'
    ? new S3ObjectStore(config.s3)
    : new LocalObjectStore(config.archiveDir);
}
