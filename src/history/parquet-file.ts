/**
 * Just enough Parquet to read archive files piece by piece: the footer from the end of the file,
 * then single column chunks of single row groups, each fetched by its byte range. The footer's
 * Thrift decoding is parquetjs-lite's; its reader is not used because it reads a dictionary page
 * as "everything up to the end of the file", cannot decode INT64 timestamp statistics and
 * misreads large dictionaries (see parquet-pages.ts).
 */
import * as thrift from 'parquetjs-lite/gen-nodejs/parquet_types';
import { decodeThrift } from 'parquetjs-lite/lib/util';

import { decodePages, PageValue } from './parquet-pages';

const MAGIC = 'PAR1';
const TRAILER_BYTES = 8;
/** One read of the tail usually brings the whole footer; a larger footer costs a second read. */
export const FOOTER_GUESS_BYTES = 16 * 1024;
const MAX_FOOTER_BYTES = 16 * 1024 * 1024;
const MAX_VALUES_PER_CHUNK = 10_000_000;

export type CellValue = string | number | null;

export interface ParquetColumn {
  readonly name: string;
  readonly physicalType: string;
  readonly convertedType?: string;
  readonly optional: boolean;
}

export interface ColumnChunk {
  readonly column: string;
  readonly start: number;
  readonly length: number;
  readonly codec: string;
  readonly numValues: number;
  readonly min?: Buffer;
  readonly max?: Buffer;
}

export interface RowGroup {
  readonly index: number;
  readonly numRows: number;
  readonly chunks: ReadonlyMap<string, ColumnChunk>;
}

export interface ParquetFooter {
  readonly numRows: number;
  readonly columns: ReadonlyMap<string, ParquetColumn>;
  readonly rowGroups: readonly RowGroup[];
  /** Bytes of the serialized footer, a fair measure of what caching it costs. */
  readonly byteLength: number;
}

/** The file is not Parquet, is cut short, or uses something this reader cannot decode. */
export class ParquetFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParquetFormatError';
  }
}

export type RangeReader = (start: number, end: number) => Promise<Buffer>;

/** Reads and decodes the footer of a file of `size` bytes: one read, two for large footers. */
export async function readFooter(read: RangeReader, size: number): Promise<ParquetFooter> {
  if (size < MAGIC.length * 2 + TRAILER_BYTES - MAGIC.length) {
    throw new ParquetFormatError(`${size} bytes is too short for a Parquet file`);
  }
  const tailStart = Math.max(0, size - FOOTER_GUESS_BYTES);
  let tail = await read(tailStart, size);
  if (tail.length !== size - tailStart) throw new ParquetFormatError('short read of the footer');
  if (tail.toString('latin1', tail.length - MAGIC.length) !== MAGIC) {
    throw new ParquetFormatError('no Parquet magic at the end (truncated or not Parquet)');
  }

  const footerLength = tail.readUInt32LE(tail.length - TRAILER_BYTES);
  const footerStart = size - TRAILER_BYTES - footerLength;
  if (footerLength > MAX_FOOTER_BYTES || footerStart < MAGIC.length) {
    throw new ParquetFormatError(`footer length ${footerLength} does not fit the file`);
  }
  if (footerStart < tailStart) tail = await read(footerStart, size);

  const footerBytes = tail.subarray(tail.length - TRAILER_BYTES - footerLength, -TRAILER_BYTES);
  return parseFooter(footerBytes);
}

interface ThriftColumnMeta {
  type: number;
  path_in_schema: string[];
  codec: number;
  num_values: unknown;
  total_compressed_size: unknown;
  data_page_offset: unknown;
  dictionary_page_offset?: unknown;
  statistics?: {
    min_value?: Buffer | string | null;
    max_value?: Buffer | string | null;
    min?: Buffer | string | null;
    max?: Buffer | string | null;
  };
}

interface ThriftFooter {
  version: number;
  num_rows: unknown;
  schema: {
    name: string;
    type?: number | null;
    converted_type?: number | null;
    repetition_type?: number | null;
    num_children?: number | null;
  }[];
  row_groups: {
    num_rows: unknown;
    columns: { file_path?: string | null; meta_data: ThriftColumnMeta }[];
  }[];
}

function parseFooter(bytes: Buffer): ParquetFooter {
  const raw = new thrift.FileMetaData() as unknown as ThriftFooter;
  try {
    decodeThrift(raw, bytes);
  } catch (error) {
    throw new ParquetFormatError(`footer cannot be decoded: ${describe(error)}`);
  }
  if (!Array.isArray(raw.schema) || !Array.isArray(raw.row_groups)) {
    throw new ParquetFormatError('footer has no schema or no row groups');
  }

  const columns = new Map<string, ParquetColumn>();
  for (const element of raw.schema.slice(1)) {
    if (element.num_children) throw new ParquetFormatError('nested columns are not supported');
    columns.set(element.name, {
      name: element.name,
      physicalType: enumName(thrift.Type, element.type),
      convertedType:
        element.converted_type == null
          ? undefined
          : enumName(thrift.ConvertedType, element.converted_type),
      optional: element.repetition_type === thrift.FieldRepetitionType.OPTIONAL,
    });
  }

  const rowGroups = raw.row_groups.map((group, index) => ({
    index,
    numRows: Number(group.num_rows),
    chunks: new Map(group.columns.map((chunk) => toColumnChunk(chunk.meta_data, chunk.file_path))),
  }));
  return { numRows: Number(raw.num_rows), columns, rowGroups, byteLength: bytes.length };
}

function toColumnChunk(meta: ThriftColumnMeta, filePath?: string | null): [string, ColumnChunk] {
  if (filePath) throw new ParquetFormatError('column chunks in other files are not supported');

  const column = meta.path_in_schema.join('.');
  const dictionary =
    meta.dictionary_page_offset == null ? NaN : Number(meta.dictionary_page_offset);
  const start =
    Number.isFinite(dictionary) && dictionary > 0 ? dictionary : Number(meta.data_page_offset);
  const stats = meta.statistics;
  return [
    column,
    {
      column,
      start,
      length: Number(meta.total_compressed_size),
      codec: enumName(thrift.CompressionCodec, meta.codec),
      numValues: Number(meta.num_values),
      min: statisticBytes(stats?.min_value ?? stats?.min),
      max: statisticBytes(stats?.max_value ?? stats?.max),
    },
  ];
}

/**
 * parquetjs-lite's footer decoder hands back a binary field as a string whenever its bytes
 * happen to be valid UTF-8 (and round-trip), else as a Buffer: the UTF-8 bytes of such a string
 * are exactly the stored bytes.
 */
function statisticBytes(value: Buffer | string | null | undefined): Buffer | undefined {
  if (value == null) return undefined;
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

/** The epoch-millisecond min and max of a timestamp column chunk, when its statistics say. */
export function timestampStatistics(
  chunk: ColumnChunk,
  column: ParquetColumn,
): { min: number; max: number } | undefined {
  if (column.physicalType !== 'INT64' || chunk.min?.length !== 8 || chunk.max?.length !== 8) {
    return undefined;
  }
  const scale = column.convertedType === 'TIMESTAMP_MICROS' ? 1000 : 1;
  return {
    min: Math.floor(Number(chunk.min.readBigInt64LE(0)) / scale),
    max: Math.floor(Number(chunk.max.readBigInt64LE(0)) / scale),
  };
}

/**
 * Decodes one column chunk (the bytes at `chunk.start`, `chunk.length` long) into one value per
 * row: strings for byte arrays, epoch milliseconds for timestamps, null for nulls.
 */
export function decodeColumnChunk(
  bytes: Buffer,
  chunk: ColumnChunk,
  column: ParquetColumn,
): CellValue[] {
  const convert = converterFor(column);
  // A damaged footer can claim any count; refuse one no archive row group comes near.
  if (!Number.isSafeInteger(chunk.numValues) || chunk.numValues > MAX_VALUES_PER_CHUNK) {
    throw new ParquetFormatError(`column ${column.name} claims ${chunk.numValues} values`);
  }
  let values;
  try {
    values = decodePages(bytes, {
      physicalType: column.physicalType,
      optional: column.optional,
      codec: chunk.codec,
      numValues: chunk.numValues,
    });
  } catch (error) {
    throw new ParquetFormatError(`column ${column.name} cannot be decoded: ${describe(error)}`);
  }
  return values.map((value) => (value === null ? null : convert(value)));
}

function converterFor(column: ParquetColumn): (value: PageValue) => CellValue {
  if (column.physicalType === 'BYTE_ARRAY') return (value) => value as string;
  if (column.physicalType === 'INT64') {
    const scale = column.convertedType === 'TIMESTAMP_MICROS' ? 1000 : 1;
    return (value) => Math.floor(Number(value) / scale);
  }
  if (column.physicalType === 'INT32') return (value) => Number(value);
  throw new ParquetFormatError(`column ${column.name} has unsupported type ${column.physicalType}`);
}

function enumName(values: Record<string, number>, value: number | null | undefined): string {
  const name = Object.keys(values).find((key) => values[key] === value);
  if (!name) throw new ParquetFormatError(`unknown enum value ${value} in footer`);
  return name;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
