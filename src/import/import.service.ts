import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';

import { jsonShapeProblem } from '../common/json-shape';
import { MessageClock } from '../common/message-clock';
import { MessageStore, NewMessage } from '../messages/message-store';
import { ValkeyUnavailableError } from '../valkey/valkey.service';
import { ImportLineDto, importTimestamp } from './dto/import-line.dto';

/** How many refusals an answer lists; the rest are only counted. */
export const LISTED_REFUSALS = 100;
/** Messages sent to Valkey in one pipeline (one round trip). */
const PIPELINE_SIZE = 2000;
/** The global ValidationPipe's options, so a line is judged as POST /message judges a body. */
const VALIDATION = { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true };

export interface ImportRefusal {
  /** 1-based line number within the body. */
  readonly line: number;
  readonly reason: string;
}

export interface ImportSummary {
  readonly lines: number;
  readonly imported: number;
  readonly refused: number;
  /** Messages imported per room. */
  readonly rooms: Readonly<Record<string, number>>;
  /** The first refusals in line order, at most LISTED_REFUSALS of them. */
  readonly refusals: readonly ImportRefusal[];
  readonly refusalsNotListed: number;
}

interface AcceptedLine {
  readonly line: number;
  readonly ts?: string;
  readonly message: NewMessage;
}

/**
 * Imports chat logs, one JSON message per line, keeping their original times: a line's `ts`
 * becomes the millisecond of its id, so order and time agree. Every line is either imported or
 * refused with its line number and the reason.
 */
@Injectable()
export class ImportService {
  private readonly logger = new Logger(ImportService.name);

  constructor(
    private readonly store: MessageStore,
    private readonly clock: MessageClock,
  ) {}

  async import(body: string): Promise<ImportSummary> {
    const started = Date.now();
    const lines = splitLines(body);
    const refusals: ImportRefusal[] = [];
    const accepted: AcceptedLine[] = [];

    lines.forEach((text, index) => {
      const parsed = this.parseLine(text, index + 1, started);
      if ('reason' in parsed) refusals.push(parsed);
      else accepted.push(parsed);
    });

    const rooms = new Map<string, number>();
    for (let start = 0; start < accepted.length; start += PIPELINE_SIZE) {
      const batch = accepted.slice(start, start + PIPELINE_SIZE);
      const ids = await this.appendBatch(batch, rooms);
      ids.forEach((id, i) => {
        const { line, message, ts } = batch[i];
        if (id) rooms.set(message.room, (rooms.get(message.room) ?? 0) + 1);
        else refusals.push({ line, reason: goesBack(message.room, ts) });
      });
    }

    const summary = summarize(lines.length, rooms, refusals);
    this.logger.log(
      `Imported ${summary.imported} of ${summary.lines} lines into ${rooms.size} rooms ` +
        `(${summary.refused} refused) in ${Date.now() - started} ms`,
    );
    return summary;
  }

  /** A batch cut short by Valkey may be partly stored: the 503 says from which line on. */
  private async appendBatch(
    batch: AcceptedLine[],
    rooms: Map<string, number>,
  ): Promise<(string | undefined)[]> {
    try {
      return await this.store.appendMany(batch.map((line) => line.message));
    } catch (error) {
      if (!(error instanceof ValkeyUnavailableError)) throw error;
      const imported = [...rooms.values()].reduce((sum, count) => sum + count, 0);
      throw new ServiceUnavailableException(
        `Valkey became unavailable during the import: ${imported} messages were imported, ` +
          `lines from ${batch[0].line} on may be partly stored`,
      );
    }
  }

  private parseLine(text: string, line: number, importTime: number): AcceptedLine | ImportRefusal {
    if (text.trim() === '') return { line, reason: 'empty line' };

    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { line, reason: 'not valid JSON' };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { line, reason: 'not a JSON object' };
    }
    const shapeProblem = jsonShapeProblem(value);
    if (shapeProblem) return { line, reason: shapeProblem };

    const dto = plainToInstance(ImportLineDto, value);
    const errors = validateSync(dto, VALIDATION);
    if (errors.length > 0) return { line, reason: describe(errors) };

    const ms = importTimestamp(dto.ts);
    if (ms !== undefined && ms > importTime) {
      return { line, reason: `ts ${String(dto.ts)} is later than the time of the import` };
    }

    // NOTE: `<ms>-*` is accepted again for the room's newest millisecond, so importing a file
    // twice stores the lines of that millisecond twice; a per-line import key would prevent it.
    const idSpec = ms === undefined ? this.clock.idSpec() : `${ms}-*`;
    const ts = dto.ts === undefined ? undefined : String(dto.ts);
    return { line, ts, message: { room: dto.room, user: dto.user, text: dto.text, idSpec } };
  }
}

/** NDJSON lines; a final line break ends the last line rather than starting an empty one. */
export function splitLines(body: string): string[] {
  if (body === '') return [];
  const lines = body.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

function goesBack(room: string, ts: string | undefined): string {
  const when = ts === undefined ? 'the time of the import' : `ts ${ts}`;
  return `${when} is before the newest message room ${room} already holds`;
}

/** The same wording as the API's 400 answers: every broken rule, field by field. */
function describe(errors: ValidationError[]): string {
  return errors.flatMap((error) => Object.values(error.constraints ?? {})).join('; ');
}

function summarize(
  lines: number,
  rooms: Map<string, number>,
  refusals: ImportRefusal[],
): ImportSummary {
  refusals.sort((a, b) => a.line - b.line);
  const refused = refusals.length;
  return {
    lines,
    imported: [...rooms.values()].reduce((sum, count) => sum + count, 0),
    refused,
    rooms: Object.fromEntries(rooms),
    refusals: refusals.slice(0, LISTED_REFUSALS),
    refusalsNotListed: Math.max(0, refused - LISTED_REFUSALS),
  };
}
