import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { DuckDBConnection } from '@duckdb/node-api';

import { archiveFileKey, partitionDate } from '../../src/archive/archive-layout';

export interface SyntheticArchive {
  readonly room: string;
  readonly messages: number;
  readonly files: number;
  /** The id of the newest message: the room's watermark. */
  readonly lastId: string;
}

export interface SyntheticArchiveOptions {
  readonly room: string;
  readonly messages: number;
  readonly days: number;
  /** UTC midnight of the first day, epoch milliseconds. */
  readonly firstDayMs: number;
  /** Rows per file and per row group, as the service's export writes them. */
  readonly rowsPerFile: number;
  /** How many authors; a few talk a lot and most little, as in real rooms. */
  readonly authors: number;
}

const DAY_MS = 86_400_000;

/** Texts of real-looking length and scripts; which one a message gets is hashed from its index. */
const TEXTS = [
  'has anyone tried the new kernel on a ThinkPad? wifi drops after suspend',
  'ok',
  'try sudo apt-get update first, then reinstall the package and reboot',
  'Привет, кто-нибудь знает, как это исправить?',
  'that works 👍 thanks',
  'see https://help.example.org/community/Troubleshooting for the details of this error',
  '有人知道怎么解决这个问题吗？',
  'is there a way to keep the journal smaller? it fills /var/log within a week',
];

/**
 * Writes a room's archive directly with DuckDB, in the service's layout and schema: files
 * `room=<pct>/date=YYYY-MM-DD/<first>_<last>.parquet` of `rowsPerFile` rows (one row group),
 * cut at each UTC date, with columns id, room, user, text (strings) and ts (TIMESTAMP_MS with
 * statistics), SNAPPY. Messages are evenly spaced in time, one per id millisecond.
 *
 * NOTE: DuckDB's Parquet writer has no option to leave out statistics, so the string columns
 * carry min/max (correct ones, in byte order) where the service writes none; the service's
 * reader prunes by `ts` only, and authors spread over every file leave DuckDB nothing to prune
 * by `user` either.
 */
export async function writeSyntheticArchive(
  duck: DuckDBConnection,
  archiveDir: string,
  options: SyntheticArchiveOptions,
): Promise<SyntheticArchive> {
  const perDay = options.messages / options.days;
  const stepMs = DAY_MS / perDay;
  if (!Number.isInteger(perDay) || !Number.isInteger(stepMs)) {
    throw new Error('messages must spread over the days in whole milliseconds');
  }
  const ms = (i: number) => options.firstDayMs + i * stepMs;
  const texts = `[${TEXTS.map((text) => `'${text.replace(/'/g, "''")}'`).join(', ')}]`;

  let files = 0;
  let first = 0;
  while (first < options.messages) {
    // Files never cross a date, as the export cuts them.
    const dayEnd = (Math.floor(first / perDay) + 1) * perDay;
    const last = Math.min(first + options.rowsPerFile, dayEnd, options.messages) - 1;
    const key = archiveFileKey({
      room: options.room,
      date: partitionDate(ms(first)),
      firstId: `${ms(first)}-0`,
      lastId: `${ms(last)}-0`,
    });
    const path = join(archiveDir, ...key.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await duck.run(
      `COPY (SELECT (${options.firstDayMs} + i * ${stepMs})::VARCHAR || '-0' AS id, ` +
        `'${options.room.replace(/'/g, "''")}' AS room, ` +
        // Author index skewed by a cube: a few authors write most messages, many write few.
        `'user-' || lpad(floor(${options.authors} * pow((hash(i) % 1000003) / 1000003.0, 3))` +
        `::BIGINT::VARCHAR, 5, '0') AS "user", ` +
        `'message ' || i || ': ' || ${texts}[1 + (hash(i * 7) % ${TEXTS.length})::INTEGER] ` +
        `AS text, epoch_ms(${options.firstDayMs} + i * ${stepMs})::TIMESTAMP_MS AS ts ` +
        `FROM range(${first}, ${last + 1}) t(i) ORDER BY i) TO '${path}' ` +
        `(FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${options.rowsPerFile})`,
    );
    files++;
    first = last + 1;
  }
  return {
    room: options.room,
    messages: options.messages,
    files,
    lastId: `${ms(options.messages - 1)}-0`,
  };
}
