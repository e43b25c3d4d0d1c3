import { basename } from 'node:path';

import { ImportSummaryDto } from '../dto/import-summary.dto';
import { NDJSON } from '../ndjson-body';
import { ChunkLimits, readLineChunks } from './ndjson-chunks';

export interface FileRefusal {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

/** What an import of several files came to, as the service answered it chunk by chunk. */
export interface ImportTotals {
  lines: number;
  imported: number;
  refused: number;
  readonly rooms: Map<string, number>;
  /** The first refusals, in file and line order. */
  readonly refusals: FileRefusal[];
  refusalsNotListed: number;
}

export interface ImportClientOptions extends ChunkLimits {
  /** How many refusals to keep with their file and line; the rest are counted. */
  readonly listedRefusals: number;
}

/** Chunks stay well below the service's default 16 MiB import body limit. */
export const DEFAULT_CLIENT_OPTIONS: ImportClientOptions = {
  maxBytes: 4 * 1024 * 1024,
  maxLines: 10_000,
  listedRefusals: 20,
};

export class ImportRequestError extends Error {
  constructor(
    readonly file: string,
    readonly firstLine: number,
    message: string,
  ) {
    super(`${basename(file)} from line ${firstLine}: ${message}`);
    this.name = 'ImportRequestError';
  }
}

/**
 * Sends files of NDJSON lines to a running service's POST /api/v1/import, chunk after chunk
 * (a room's lines must arrive in order), and adds up the answers with file line numbers.
 */
export class ImportClient {
  readonly totals: ImportTotals = {
    lines: 0,
    imported: 0,
    refused: 0,
    rooms: new Map(),
    refusals: [],
    refusalsNotListed: 0,
  };

  constructor(
    private readonly baseUrl: string,
    private readonly options: ImportClientOptions = DEFAULT_CLIENT_OPTIONS,
  ) {}

  /** Imports one file; `onChunk` hears of every chunk done, with the file bytes it covered. */
  async importFile(path: string, onChunk?: (bytes: number) => void): Promise<void> {
    for await (const chunk of readLineChunks(path, this.options)) {
      const summary = await this.send(path, chunk.firstLine, chunk.body);
      if (summary.lines !== chunk.lines) {
        const counts = `${chunk.lines} lines sent, ${summary.lines} read`;
        throw new ImportRequestError(path, chunk.firstLine, `the service miscounted: ${counts}`);
      }
      this.add(path, chunk.firstLine, summary);
      onChunk?.(chunk.bytes);
    }
  }

  private async send(file: string, firstLine: number, body: string): Promise<ImportSummaryDto> {
    let response: Response;
    try {
      response = await fetch(new URL('/api/v1/import', this.baseUrl), {
        method: 'POST',
        headers: { 'content-type': NDJSON },
        body,
      });
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause?.message ?? String(error);
      throw new ImportRequestError(file, firstLine, `no answer from ${this.baseUrl} (${cause})`);
    }

    if (response.ok) return (await response.json()) as ImportSummaryDto;
    const text = await response.text();
    const message = safeJson(text)?.message ?? text.slice(0, 200);
    throw new ImportRequestError(file, firstLine, `HTTP ${response.status}: ${message}`);
  }

  private add(file: string, firstLine: number, summary: ImportSummaryDto): void {
    const totals = this.totals;
    totals.lines += summary.lines;
    totals.imported += summary.imported;
    totals.refused += summary.refused;
    for (const [room, count] of Object.entries(summary.rooms)) {
      totals.rooms.set(room, (totals.rooms.get(room) ?? 0) + count);
    }

    const room = this.options.listedRefusals - totals.refusals.length;
    const listed = summary.refusals.slice(0, Math.max(0, room));
    for (const { line, reason } of listed) {
      totals.refusals.push({ file, line: firstLine + line - 1, reason });
    }
    totals.refusalsNotListed += summary.refused - listed.length;
  }
}

function safeJson(text: string): { message?: string } | undefined {
  try {
    return JSON.parse(text) as { message?: string };
  } catch {
    return undefined;
  }
}
