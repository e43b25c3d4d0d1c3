/**
 * Where archive files are kept: a local directory or an S3-compatible bucket. Keys are relative
 * to the archive root (`room=.../date=.../x.parquet`) and always use `/`.
 */
export interface StoredObject {
  readonly key: string;
  readonly size: number;
}

export interface ObjectStore {
  /** Where the archive is, for logs and errors: a directory or `s3://bucket/prefix`. */
  readonly location: string;

  /**
   * Stores a finished local file under `key`. Readers see either nothing or the whole object:
   * locally a rename from a temporary name, on S3 an object that exists only once complete.
   */
  putFile(key: string, localPath: string): Promise<void>;

  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<StoredObject>;

  /** The object's size in bytes, or undefined when there is no such object. */
  size(key: string): Promise<number | undefined>;

  /** Bytes `start` (inclusive) to `end` (exclusive) of the object: a ranged GET on S3. */
  readRange(key: string, start: number, end: number): Promise<Buffer>;

  delete(key: string): Promise<void>;

  /** Whether the store answers (directory writable, bucket reachable). */
  isReady(): Promise<boolean>;
}

/** Raised by a store when the storage itself fails (bucket refusing, disk full). */
export class ArchiveStoreUnavailableError extends Error {
  constructor(
    readonly location: string,
    readonly cause: unknown,
  ) {
    super(`archive store ${location} is unavailable: ${(cause as Error)?.message ?? cause}`);
    this.name = 'ArchiveStoreUnavailableError';
  }
}
