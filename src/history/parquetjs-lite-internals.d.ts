/**
 * The parts of parquetjs-lite (which ships no types) that the archive reader uses to decode
 * column chunks it fetched itself with ranged reads.
 */
declare module 'parquetjs-lite/gen-nodejs/parquet_types' {
  export const Type: Record<string, number>;
  export const CompressionCodec: Record<string, number>;
  export const ConvertedType: Record<string, number>;
  export const FieldRepetitionType: Record<string, number>;
  export const PageType: Record<string, number>;
  export const Encoding: Record<string, number>;
  export class FileMetaData {
    [field: string]: unknown;
  }
  export class PageHeader {
    [field: string]: unknown;
  }
}

declare module 'parquetjs-lite/lib/util' {
  export function decodeThrift(target: object, buffer: Buffer, offset?: number): number;
}

declare module 'parquetjs-lite/lib/compression' {
  export function inflate(method: string, value: Buffer): Buffer;
}
