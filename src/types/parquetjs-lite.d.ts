/**
 * The part of parquetjs-lite (which ships no types) that the archive codec uses. Only writing:
 * archive files are read back by DuckDB and other engines, never by this library.
 */
declare module 'parquetjs-lite' {
  import { Writable } from 'node:stream';

  export type ParquetType = 'UTF8' | 'TIMESTAMP_MILLIS' | 'INT64' | 'INT32' | 'BOOLEAN' | 'DOUBLE';
  export type ParquetCompression = 'UNCOMPRESSED' | 'SNAPPY' | 'GZIP';

  export interface ParquetFieldOptions {
    type: ParquetType;
    compression?: ParquetCompression;
    optional?: boolean;
    /** `false` writes no min/max statistics (nor page index) for the column. */
    statistics?: boolean;
  }

  export class ParquetSchema {
    constructor(fields: Record<string, ParquetFieldOptions>);
  }

  export interface ParquetWriterOptions {
    /** Rows buffered per row group (default 4,096). */
    rowGroupSize?: number;
    /** Values per data page (default 8,192). */
    pageSize?: number;
    /** Defaults to true; version 1 data pages are read by every engine. */
    useDataPageV2?: boolean;
  }

  export class ParquetWriter {
    static openStream(
      schema: ParquetSchema,
      output: Writable,
      options?: ParquetWriterOptions,
    ): Promise<ParquetWriter>;
    appendRow(row: Record<string, unknown>): Promise<void>;
    setMetadata(key: string, value: string): void;
    close(): Promise<void>;
  }
}
