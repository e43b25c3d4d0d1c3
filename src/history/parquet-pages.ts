/**
 * Decodes the pages of one flat column chunk. Written here rather than taken from parquetjs-lite
 * because its RLE decoder reads repeated dictionary indices wider than 8 bits wrongly (it adds
 * the bytes instead of shifting them), which returns wrong values from any dictionary of more
 * than 256 entries, as DuckDB and Spark write for timestamps and authors.
 *
 * Supported: data pages v1 and v2, dictionary pages, PLAIN and (RLE_/PLAIN_)DICTIONARY values of
 * BYTE_ARRAY, INT32 and INT64, optional or required columns, UNCOMPRESSED, SNAPPY and GZIP.
 * NOTE: no ZSTD, LZ4 or DELTA_* encodings (none of the writers in use emits them here); a file
 * that uses them is reported as unreadable rather than misread.
 */
import * as thrift from 'parquetjs-lite/gen-nodejs/parquet_types';
import { inflate } from 'parquetjs-lite/lib/compression';
import { decodeThrift } from 'parquetjs-lite/lib/util';

export type PageValue = string | number;

export interface ChunkDescription {
  readonly physicalType: string;
  readonly optional: boolean;
  readonly codec: string;
  readonly numValues: number;
}

/** One entry per row: the value, or null where the definition level says null. */
export function decodePages(bytes: Buffer, chunk: ChunkDescription): (PageValue | null)[] {
  const cells: (PageValue | null)[] = [];
  let dictionary: PageValue[] | undefined;
  let offset = 0;

  while (offset < bytes.length && cells.length < chunk.numValues) {
    const header = new thrift.PageHeader() as unknown as PageHeader;
    offset += decodeThrift(header, bytes, offset);
    const end = offset + header.compressed_page_size;
    if (end > bytes.length) throw new Error('page reaches past the end of its column chunk');

    const body = bytes.subarray(offset, end);
    offset = end;
    if (header.type === thrift.PageType.DICTIONARY_PAGE) {
      const page = decompress(chunk.codec, body);
      const count = header.dictionary_page_header.num_values;
      dictionary = plainValues(chunk.physicalType, { buffer: page, offset: 0 }, count);
    } else if (header.type === thrift.PageType.DATA_PAGE) {
      dataPageV1(header, decompress(chunk.codec, body), chunk, dictionary, cells);
    } else if (header.type === thrift.PageType.DATA_PAGE_V2) {
      dataPageV2(header, body, chunk, dictionary, cells);
    }
  }
  if (cells.length !== chunk.numValues) {
    throw new Error(`column chunk holds ${cells.length} of ${chunk.numValues} values`);
  }
  return cells;
}

interface PageHeader {
  type: number;
  compressed_page_size: number;
  dictionary_page_header: { num_values: number };
  data_page_header: { num_values: number; encoding: number; definition_level_encoding: number };
  data_page_header_v2: {
    num_values: number;
    num_nulls: number;
    encoding: number;
    definition_levels_byte_length: number;
    repetition_levels_byte_length: number;
    is_compressed?: boolean | null;
  };
}

interface Cursor {
  buffer: Buffer;
  offset: number;
}

function dataPageV1(
  header: PageHeader,
  page: Buffer,
  chunk: ChunkDescription,
  dictionary: PageValue[] | undefined,
  cells: (PageValue | null)[],
): void {
  const { num_values: count, encoding } = header.data_page_header;
  const cursor = { buffer: page, offset: 0 };
  let levels: number[] | undefined;
  if (chunk.optional) {
    const length = page.readUInt32LE(0);
    levels = hybridValues({ buffer: page.subarray(0, 4 + length), offset: 4 }, 1, count);
    cursor.offset = 4 + length;
  }
  appendValues(chunk, cursor, encoding, count, levels, dictionary, cells);
}

function dataPageV2(
  header: PageHeader,
  body: Buffer,
  chunk: ChunkDescription,
  dictionary: PageValue[] | undefined,
  cells: (PageValue | null)[],
): void {
  const info = header.data_page_header_v2;
  const levelBytes = info.repetition_levels_byte_length + info.definition_levels_byte_length;
  const levels = chunk.optional
    ? hybridValues(
        { buffer: body.subarray(0, levelBytes), offset: info.repetition_levels_byte_length },
        1,
        info.num_values,
      )
    : undefined;
  const compressed = body.subarray(levelBytes);
  const values = info.is_compressed === false ? compressed : decompress(chunk.codec, compressed);
  const cursor = { buffer: values, offset: 0 };
  appendValues(chunk, cursor, info.encoding, info.num_values, levels, dictionary, cells);
}

function appendValues(
  chunk: ChunkDescription,
  cursor: Cursor,
  encoding: number,
  count: number,
  levels: number[] | undefined,
  dictionary: PageValue[] | undefined,
  cells: (PageValue | null)[],
): void {
  const present = levels ? levels.reduce((sum, level) => sum + level, 0) : count;
  let values: PageValue[];
  if (encoding === thrift.Encoding.PLAIN) {
    values = plainValues(chunk.physicalType, cursor, present);
  } else if (
    encoding === thrift.Encoding.PLAIN_DICTIONARY ||
    encoding === thrift.Encoding.RLE_DICTIONARY
  ) {
    if (!dictionary) throw new Error('dictionary-encoded page without a dictionary');
    const bitWidth = cursor.buffer[cursor.offset++];
    const indices = hybridValues(cursor, bitWidth, present);
    values = indices.map((index) => {
      if (index >= dictionary.length) throw new Error('dictionary index out of range');
      return dictionary[index];
    });
  } else {
    throw new Error(`unsupported value encoding ${encoding}`);
  }

  let next = 0;
  for (let row = 0; row < count; row++) {
    cells.push(levels && levels[row] === 0 ? null : values[next++]);
  }
}

function plainValues(type: string, cursor: Cursor, count: number): PageValue[] {
  const { buffer } = cursor;
  const values = new Array<PageValue>(count);
  let offset = cursor.offset;
  if (type === 'BYTE_ARRAY') {
    for (let i = 0; i < count; i++) {
      const length = buffer.readUInt32LE(offset);
      offset += 4;
      if (offset + length > buffer.length) throw new Error('string reaches past its page');
      values[i] = buffer.toString('utf8', offset, offset + length);
      offset += length;
    }
  } else if (type === 'INT64') {
    // Two 32-bit halves instead of a BigInt: exact below 2^53, which epoch times are.
    for (let i = 0; i < count; i++, offset += 8) {
      values[i] = buffer.readUInt32LE(offset) + buffer.readInt32LE(offset + 4) * 2 ** 32;
    }
  } else if (type === 'INT32') {
    for (let i = 0; i < count; i++, offset += 4) values[i] = buffer.readInt32LE(offset);
  } else {
    throw new Error(`unsupported type ${type}`);
  }
  cursor.offset = offset;
  return values;
}

/** The RLE / bit-packing hybrid of the Parquet spec, without a length prefix. */
function hybridValues(cursor: Cursor, bitWidth: number, count: number): number[] {
  if (bitWidth > 32) throw new Error(`bit width ${bitWidth} is out of range`);
  const { buffer } = cursor;
  const values: number[] = [];
  const byteWidth = Math.ceil(bitWidth / 8);

  while (values.length < count) {
    if (cursor.offset >= buffer.length) throw new Error('levels or indices end early');
    const header = readVarint(cursor);
    if (header % 2 === 1) {
      const total = Math.floor(header / 2) * 8;
      const start = cursor.offset * 8;
      for (let i = 0; i < total; i++) values.push(readBits(buffer, start + i * bitWidth, bitWidth));
      cursor.offset += Math.floor(header / 2) * bitWidth;
    } else {
      let value = 0;
      for (let i = 0; i < byteWidth; i++) value += buffer[cursor.offset + i] * 2 ** (8 * i);
      cursor.offset += byteWidth;
      const run = Math.floor(header / 2);
      for (let i = 0; i < run; i++) values.push(value);
    }
  }
  values.length = count;
  return values;
}

/** `width` bits (at most 32) from `bitOffset`, least significant bit first. */
function readBits(buffer: Buffer, bitOffset: number, width: number): number {
  let byte = bitOffset >> 3;
  if (byte + ((width + (bitOffset & 7) + 7) >> 3) > buffer.length) {
    throw new Error('bit-packed run ends early');
  }
  let shift = bitOffset & 7;
  let value = 0;
  let filled = 0;
  while (filled < width) {
    const take = Math.min(8 - shift, width - filled);
    value += ((buffer[byte] >> shift) & ((1 << take) - 1)) * 2 ** filled;
    filled += take;
    shift = 0;
    byte++;
  }
  return value;
}

function readVarint(cursor: Cursor): number {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    const byte = cursor.buffer[cursor.offset++];
    if (byte === undefined) throw new Error('varint ends early');
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return value;
  }
  throw new Error('varint is too long');
}

function decompress(codec: string, bytes: Buffer): Buffer {
  if (codec === 'UNCOMPRESSED') return bytes;
  if (codec !== 'SNAPPY' && codec !== 'GZIP') throw new Error(`unsupported compression ${codec}`);
  return inflate(codec, bytes);
}
