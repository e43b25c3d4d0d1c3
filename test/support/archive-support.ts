import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { Valkey } from 'iovalkey';

import { roomKeys, ROOMS_KEY } from '../../src/valkey/room-keys';
import { freePort } from './private-valkey';
import { valkeyUrl } from './test-app';
import { waitFor } from './wait-for';

// s3rver ships no types; the tests use its constructor, run() and close().

const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer?: { closeAllConnections?(): void };
};

export const S3_CREDENTIALS = { S3_ACCESS_KEY: 'S3RVER', S3_SECRET_KEY: 'S3RVER' };

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `valkey-chat-${prefix}-`));
}

/** Runs SQL in a fresh in-memory DuckDB: the independent reader of every archive file. */
export async function duckdb(
  sql: string,
  values?: DuckDBValue[],
): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql, values);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The archive under `root` as DuckDB reads it: every Parquet file, Hive partitions as columns. */
export function archiveTable(root: string): string {
  return `read_parquet('${join(root, '**', '*.parquet')}', hive_partitioning = true)`;
}

/** An s3rver in the test process, with its own directory; it can be stopped and started again. */
export class S3rverServer {
  readonly directory = tempDir('s3rver');
  private server?: InstanceType<typeof S3rver>;

  private constructor(readonly port: number) {}

  static async start(): Promise<S3rverServer> {
    const server = new S3rverServer(await freePort());
    await server.resume();
    return server;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async resume(): Promise<void> {
    this.server = new S3rver({
      address: '127.0.0.1',
      port: this.port,
      silent: true,
      directory: this.directory,
    });
    await this.server.run();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = server.close();
    server.httpServer?.closeAllConnections?.();
    await closed;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/** `moto_server` when it is installed: another S3 implementation, in its own process. */
export class MotoServer {
  private constructor(
    readonly port: number,
    private readonly process: ChildProcess,
  ) {}

  static isInstalled(): boolean {
    return spawnSync('sh', ['-c', 'command -v moto_server'], { stdio: 'ignore' }).status === 0;
  }

  static async start(): Promise<MotoServer> {
    const port = await freePort();
    const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
      stdio: 'ignore',
    });
    const server = new MotoServer(port, child);
    await waitFor(
      () =>
        fetch(`${server.endpoint}/`).then(
          () => true,
          () => false,
        ),
      `moto_server on port ${port} to answer`,
      20_000,
    );
    return server;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null) return;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill('SIGTERM');
    await exited;
  }
}

/** Copies every object of the bucket under `prefix` into `directory`, keeping the key layout. */
export async function downloadBucket(
  endpoint: string,
  bucket: string,
  prefix: string,
  directory: string,
): Promise<string[]> {
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const keys: string[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) keys.push(object.Key!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);

    for (const key of keys) {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const path = join(directory, key);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, await object.Body!.transformToByteArray());
    }
    return keys;
  } finally {
    client.destroy();
  }
}

/** A Valkey client on one of this suite's own database indexes. */
export function valkeyClient(db: number): Valkey {
  return new Valkey(valkeyUrl(db));
}

/** Removes a room's keys from a database index this suite owns (never a flush). */
export async function forgetRoom(client: Valkey, room: string): Promise<void> {
  const keys = roomKeys(room);
  await client.del(keys.messages, keys.archive, keys.exportLock);
  await client.srem(ROOMS_KEY, room);
}

/**
 * Texts that trip UTF-16-ordered statistics, byte handling or line-minded readers. Each starts
 * with its special characters, so that min/max computed in the wrong order exclude some of them.
 */
export const TRICKY_TEXTS = [
  'plain ascii',
  '😀 emoji and skin tones 👍🏽 👋🏿',
  '🇫🇷 🇯🇵 🏳️‍🌈 flags',
  'مرحبا بالعالم (Arabic)',
  'שלום עולם (Hebrew)',
  'e\u0301 a\u0308 n\u0303 combining accents',
  'ＡＢＣ１２３～ full-width',
  '\ttab first, new\nlines\r\n too',
  '\uFFFD replacement and \uFEFF BOM',
  '𝕫 mathematical z, last in bytes',
];
