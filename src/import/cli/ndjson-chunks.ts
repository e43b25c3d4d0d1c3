import { createReadStream } from 'node:fs';

/** A run of consecutive lines of one file, ready to send as one NDJSON body. */
export interface LineChunk {
  /** Number of the chunk's first line in its file, from 1. */
  readonly firstLine: number;
  readonly lines: number;
  readonly body: string;
  /** Bytes of the file the chunk covers, line breaks included. */
  readonly bytes: number;
}

export interface ChunkLimits {
  readonly maxBytes: number;
  readonly maxLines: number;
}

/**
 * Streams a file as chunks of whole lines, each within the limits (a single line longer than
 * `maxBytes` goes alone). Lines are split at `\n` only, as the server splits them, so line
 * numbers agree on both sides; a final line break does not start an empty last line.
 */
export async function* readLineChunks(
  path: string,
  limits: ChunkLimits,
): AsyncGenerator<LineChunk> {
  let pending = '';
  let lines: string[] = [];
  let bytes = 0;
  let firstLine = 1;

  function* take(line: string): Generator<LineChunk> {
    const size = Buffer.byteLength(line) + 1;
    if (lines.length > 0 && (bytes + size > limits.maxBytes || lines.length >= limits.maxLines)) {
      yield { firstLine, lines: lines.length, body: `${lines.join('\n')}\n`, bytes };
      firstLine += lines.length;
      lines = [];
      bytes = 0;
    }
    lines.push(line);
    bytes += size;
  }

  for await (const data of createReadStream(path, { encoding: 'utf8' })) {
    const pieces = (pending + (data as string)).split('\n');
    pending = pieces.pop() ?? '';
    for (const line of pieces) yield* take(line);
  }
  if (pending !== '') yield* take(pending);
  if (lines.length > 0) {
    yield { firstLine, lines: lines.length, body: `${lines.join('\n')}\n`, bytes };
  }
}
