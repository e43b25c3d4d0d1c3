import { createWriteStream, WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Writable } from 'node:stream';

import { ParquetSchema, ParquetWriter } from 'parquetjs-lite';

import { ChatMessage } from '../common/chat-message';

/**
 * Archive files as Parquet: `id`, `room`, `user`, `text` as UTF-8 strings and `ts` as a UTC
 * timestamp in milliseconds, Snappy-compressed. Knows nothing of Valkey or object stores.
 *
 * parquetjs-lite orders strings by UTF-16 code units when it computes min/max, while readers
 * compare bytes: DuckDB would prune row groups that hold emoji or full-width text. So the string
 * columns carry no statistics at all; `ts` keeps correct ones, which history reads prune by.
 */
export const ARCHIVE_SCHEMA = new ParquetSchema({
  id: { type: 'UTF8', compression: 'SNAPPY', statistics: false },
  room: { type: 'UTF8', compression: 'SNAPPY', statistics: false },
  user: { type: 'UTF8', compression: 'SNAPPY', statistics: false },
  text: { type: 'UTF8', compression: 'SNAPPY', statistics: false },
  ts: { type: 'TIMESTAMP_MILLIS', compression: 'SNAPPY' },
});

/**
 * NOTE: parquetjs-lite keeps a whole row group in memory as one JS value per cell, about 200 MB
 * of heap for 50,000 short messages; EXPORT_BATCH_SIZE bounds it (a row group never exceeds a
 * file). A writer that flushes pages as it goes would bound it by page instead.
 */
export const DEFAULT_ROW_GROUP_SIZE = 50_000;

export interface ArchiveFileStats {
  readonly rows: number;
  readonly bytes: number;
}

/** Writes one archive file row by row; nothing is valid until `close()` resolved. */
export class ArchiveFileWriter {
  private rows = 0;

  private constructor(
    private readonly writer: ParquetWriter,
    private readonly output: Writable,
    private readonly path?: string,
  ) {}

  /** A writer whose output goes to `output`; row groups hold up to `rowGroupSize` rows. */
  static async open(
    output: Writable,
    rowGroupSize = DEFAULT_ROW_GROUP_SIZE,
    path?: string,
  ): Promise<ArchiveFileWriter> {
    // Version 1 data pages: every Parquet reader supports them, not all read version 2.
    const writer = await ParquetWriter.openStream(ARCHIVE_SCHEMA, output, {
      rowGroupSize,
      useDataPageV2: false,
    });
    return new ArchiveFileWriter(writer, output, path);
  }

  /** A writer to a new local file at `path` (which must not exist yet). */
  static async toFile(path: string, rowGroupSize?: number): Promise<ArchiveFileWriter> {
    const output = createWriteStream(path, { flags: 'wx' });
    await new Promise<void>((resolve, reject) => {
      output.once('open', () => resolve());
      output.once('error', reject);
    });
    return ArchiveFileWriter.open(output, rowGroupSize, path);
  }

  get rowCount(): number {
    return this.rows;
  }

  async append(message: ChatMessage): Promise<void> {
    await this.writer.appendRow({
      id: message.id,
      room: message.room,
      user: message.user,
      text: message.text,
      ts: message.ts,
    });
    this.rows++;
  }

  /** Writes the footer and waits until the output is closed. Bytes are known for files only. */
  async close(): Promise<ArchiveFileStats> {
    await this.writer.close();
    if (!this.path) return { rows: this.rows, bytes: 0 };

    await waitClosed(this.output as WriteStream);
    return { rows: this.rows, bytes: (await stat(this.path)).size };
  }
}

/** Encodes messages into one Parquet file in memory (tests and small files). */
export async function encodeArchiveFile(
  messages: Iterable<ChatMessage>,
  rowGroupSize?: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  const writer = await ArchiveFileWriter.open(sink, rowGroupSize);
  for (const message of messages) await writer.append(message);
  await writer.close();
  return Buffer.concat(chunks);
}

function waitClosed(stream: WriteStream): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    stream.once('close', () => resolve());
    stream.once('error', reject);
  });
}
