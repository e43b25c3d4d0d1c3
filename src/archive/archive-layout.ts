/**
 * Where archived messages live: Hive-style partitions that DuckDB, Spark, Athena and pandas read
 * as columns, `room=<room>/date=<YYYY-MM-DD>/<first-id>_<last-id>.parquet`.
 *
 * The room is percent-encoded as Hive and Spark encode partition values (UTF-8 bytes, `%XX`),
 * keeping only `A-Z a-z 0-9 . _ -`: any room name becomes one segment that cannot contain a
 * separator, and readers decode it back (`room=%23ubuntu` reads as `#ubuntu`).
 */
import { isMessageId } from '../common/message-id';

export const ARCHIVE_FILE_SUFFIX = '.parquet';

export interface ArchiveFileName {
  readonly room: string;
  readonly date: string;
  readonly firstId: string;
  readonly lastId: string;
}

const SAFE_BYTE = /[A-Za-z0-9._-]/;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export function encodeRoomSegment(room: string): string {
  if (room.length === 0) throw new Error('room must not be empty');

  let encoded = '';
  for (const byte of Buffer.from(room, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += byte < 0x80 && SAFE_BYTE.test(char) ? char : `%${hex(byte)}`;
  }
  // Dots alone would be a relative path segment; encode them so a segment is never "." or "..".
  return /^\.+$/.test(encoded) ? encoded.replace(/\./g, '%2E') : encoded;
}

export function decodeRoomSegment(segment: string): string {
  return decodeURIComponent(segment);
}

/** The UTC calendar date of an epoch-millisecond time, as a partition value. */
export function partitionDate(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

export function roomPrefix(room: string): string {
  return `room=${encodeRoomSegment(room)}/`;
}

export function partitionPrefix(room: string, date: string): string {
  if (!DATE_PATTERN.test(date)) throw new Error(`not a partition date: ${date}`);
  return `${roomPrefix(room)}date=${date}/`;
}

/** The key of one archive file, relative to the archive root. */
export function archiveFileKey(file: ArchiveFileName): string {
  if (!isMessageId(file.firstId) || !isMessageId(file.lastId)) {
    throw new Error(`not message ids: ${file.firstId}, ${file.lastId}`);
  }
  const name = `${file.firstId}_${file.lastId}${ARCHIVE_FILE_SUFFIX}`;
  return `${partitionPrefix(file.room, file.date)}${name}`;
}

/** Reads a key written by `archiveFileKey`; anything else (temporary files too) is undefined. */
export function parseArchiveFileKey(key: string): ArchiveFileName | undefined {
  const match = /(?:^|\/)room=([^/]+)\/date=(\d{4}-\d{2}-\d{2})\/([^/_]+)_([^/_]+)\.parquet$/.exec(
    key,
  );
  if (!match) return undefined;

  const [, roomSegment, date, firstId, lastId] = match;
  if (!isMessageId(firstId) || !isMessageId(lastId)) return undefined;
  try {
    return { room: decodeRoomSegment(roomSegment), date, firstId, lastId };
  } catch {
    return undefined;
  }
}

function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}
