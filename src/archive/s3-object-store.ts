import { createReadStream } from 'node:fs';

import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

import { S3Config } from '../config/app-config';
import { ArchiveStoreUnavailableError, ObjectStore, StoredObject } from './object-store';

/** Parts of a multipart upload; files larger than one part are uploaded in parts. */
const PART_SIZE_BYTES = 8 * 1024 * 1024;
const CONNECT_TIMEOUT_MS = 3000;
const REQUEST_TIMEOUT_MS = 60_000;

/** Raised at start-up when the bucket does not exist and may not be created. */
export class MissingBucketError extends Error {
  constructor(location: string) {
    super(
      `archive bucket ${location} does not exist: create it, or set S3_CREATE_BUCKET=true ` +
        'to let the service create it',
    );
    this.name = 'MissingBucketError';
  }
}

/**
 * The archive in an S3-compatible bucket, under `S3_PREFIX`. An object exists only once its
 * upload completed (a single PUT, or a multipart upload that is aborted on failure), so readers
 * never see a partial file.
 */
export class S3ObjectStore implements ObjectStore {
  readonly location: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(private readonly config: S3Config) {
    this.bucket = config.bucket;
    this.prefix = config.prefix ? `${config.prefix}/` : '';
    this.location = `s3://${config.bucket}/${this.prefix}`;
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      // Custom endpoints (MinIO, moto, s3rver) rarely resolve bucket subdomains.
      forcePathStyle: Boolean(config.endpoint),
      credentials:
        config.accessKeyId && config.secretAccessKey
          ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }
          : undefined,
      // Checksum trailers confuse several S3-compatible servers (s3rver stores their framing
      // inside the object and answers OK); send and check checksums only where S3 demands them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
      maxAttempts: 2,
    });
  }

  /** Checks the bucket at start-up; creates it when S3_CREATE_BUCKET=true. */
  async prepare(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (error) {
      if (!isNotFound(error)) throw new ArchiveStoreUnavailableError(this.location, error);
    }
    if (!this.config.createBucket) throw new MissingBucketError(this.location);
    await this.guard(() => this.client.send(new CreateBucketCommand({ Bucket: this.bucket })));
  }

  async putFile(key: string, localPath: string): Promise<void> {
    await this.guard(async () => {
      const upload = new Upload({
        client: this.client,
        params: {
          Bucket: this.bucket,
          Key: this.objectKey(key),
          Body: createReadStream(localPath),
          ContentType: 'application/vnd.apache.parquet',
        },
        partSize: PART_SIZE_BYTES,
        queueSize: 2,
        leavePartsOnError: false,
      });
      await upload.done();
    });
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    let token: string | undefined;
    do {
      const page = await this.guard(() =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.objectKey(prefix),
            ContinuationToken: token,
          }),
        ),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key) yield { key: object.Key.slice(this.prefix.length), size: object.Size ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
      );
      return head.ContentLength ?? 0;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new ArchiveStoreUnavailableError(this.location, error);
    }
  }

  async readRange(key: string, start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    return this.guard(async () => {
      const object = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          Range: `bytes=${start}-${end - 1}`,
        }),
      );
      return Buffer.from(await object.Body!.transformToByteArray());
    });
  }

  async delete(key: string): Promise<void> {
    await this.guard(() =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) })),
    );
  }

  async isReady(): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    this.client.destroy();
  }

  private objectKey(key: string): string {
    if (key.split('/').some((segment) => segment === '..' || segment === '.')) {
      throw new Error(`archive key with a relative segment: ${key}`);
    }
    return `${this.prefix}${key}`;
  }

  private async guard<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw new ArchiveStoreUnavailableError(this.location, error);
    }
  }
}

function isNotFound(error: unknown): boolean {
  if (error instanceof S3ServiceException) {
    return error.$metadata?.httpStatusCode === 404 || error.name === 'NotFound';
  }
  return (error as { name?: string })?.name === 'NotFound';
}
