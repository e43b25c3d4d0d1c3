import { Logger } from '@nestjs/common';

import { parseArchiveFileKey, partitionDate, roomPrefix } from '../archive/archive-layout';
import { ArchiveStoreUnavailableError, ObjectStore } from '../archive/object-store';
import { ChatMessage } from '../common/chat-message';
import { messageIdTime } from '../common/message-id';
import { compareKeys, idSortKey, IdWindow, Order, windowMillis } from './id-window';
import { LruCache } from './lru-cache';
import {
  CellValue,
  ColumnChunk,
  decodeColumnChunk,
  ParquetColumn,
  ParquetFooter,
  ParquetFormatError,
  readFooter,
  RowGroup,
  timestampStatistics,
} from './parquet-file';

/** What to read from one room's archive. */
export interface ArchiveQuery {
  readonly room: string;
  readonly order: Order;
  /** Ids to consider; the caller closes it at the watermark. */
  readonly window: IdWindow;
  /** `ts` from (inclusive), epoch milliseconds. */
  readonly fromMs?: number;
  /** `ts` to (exclusive), epoch milliseconds. */
  readonly toMs?: number;
  readonly user?: string;
  readonly limit: number;
}

/** Counters of what the reader read and what it did not have to; totals since start. */
export interface ArchiveReaderStats {
  listings: number;
  filesListed: number;
  filesPrunedByName: number;
  filesOpened: number;
  footerReads: number;
  rowGroupsInOpenedFiles: number;
  rowGroupsSkippedByStatistics: number;
  rowGroupsRead: number;
  columnChunksRead: number;
  rangeReads: number;
  bytesRead: number;
}

export interface ArchiveReaderLimits {
  /** Footers kept, in bytes of footer. */
  readonly footerCacheBytes: number;
  /** Partition listings kept, in listed files. */
  readonly listingCacheFiles: number;
  /** Decoded columns kept, in estimated bytes. */
  readonly columnCacheBytes: number;
}

export const DEFAULT_READER_LIMITS: ArchiveReaderLimits = {
  footerCacheBytes: 16 * 1024 * 1024,
  listingCacheFiles: 100_000,
  columnCacheBytes: 64 * 1024 * 1024,
};

/** A partition listing is cut into dates when the range has at most this many days. */
const MAX_DATES_LISTED_ONE_BY_ONE = 31;
const DAY_MS = 86_400_000;

/** An archive file that exists but cannot be read: truncated, not Parquet, wrong columns. */
export class ArchiveFileUnreadableError extends Error {
  constructor(
    readonly room: string,
    readonly date: string,
    readonly key: string,
    readonly reason: string,
  ) {
    super(`archive file ${key} cannot be read: ${reason}`);
    this.name = 'ArchiveFileUnreadableError';
  }
}

interface ArchiveFile {
  readonly key: string;
  readonly size: number;
  readonly date: string;
  readonly firstKey: string;
  readonly lastKey: string;
}

interface Listing {
  readonly watermark: string;
  readonly files: readonly ArchiveFile[];
}

/** A row found by the scan; its text and author are fetched only if it makes the page. */
interface Hit {
  readonly key: string;
  readonly id: string;
  readonly ts: number;
  readonly file: ArchiveFile;
  readonly footer: ParquetFooter;
  readonly group: RowGroup;
  readonly row: number;
}

const REQUIRED_COLUMNS = ['id', 'user', 'text', 'ts'];

/**
 * Reads pages of a room's archive with as few bytes as it can: it lists only the partitions of
 * the range, opens only files whose id range (in their names) can hold the page, reads only row
 * groups whose `ts` statistics overlap the range, and only the columns it returns, each with one
 * ranged read. Footers, listings and decoded columns are cached with a bound.
 *
 * The room column is never read: the partition is the room.
 */
export class ArchiveReader {
  private readonly logger = new Logger(ArchiveReader.name);
  private readonly footers: LruCache<string, ParquetFooter>;
  private readonly listings: LruCache<string, Listing>;
  private readonly columns: LruCache<string, CellValue[] | IdIndex>;
  private counters: ArchiveReaderStats = emptyStats();

  constructor(
    private readonly store: ObjectStore,
    limits: ArchiveReaderLimits = DEFAULT_READER_LIMITS,
  ) {
    this.footers = new LruCache(limits.footerCacheBytes, (footer) => footer.byteLength);
    this.listings = new LruCache(limits.listingCacheFiles, (listing) => listing.files.length + 1);
    this.columns = new LruCache(limits.columnCacheBytes, estimateBytes);
  }

  stats(): ArchiveReaderStats {
    return { ...this.counters };
  }

  resetStats(): void {
    this.counters = emptyStats();
  }

  clearCaches(): void {
    this.footers.clear();
    this.listings.clear();
    this.columns.clear();
  }

  /**
   * Up to `limit` archived messages of the window, in the query's order. `watermark` is the
   * room's watermark as just read: listings made at the same watermark are still complete.
   */
  async read(query: ArchiveQuery, watermark: string): Promise<ChatMessage[]> {
    try {
      return await this.readOnce(query, watermark);
    } catch (error) {
      if (!(error instanceof ArchiveFileUnreadableError)) throw error;
      // A cached listing may hold the size of a file since replaced: one more try, listed anew.
      return await this.readOnce(query, watermark).catch((again: unknown) => {
        if (again instanceof ArchiveFileUnreadableError) {
          this.logger.error(`Archive file ${again.key} is unreadable: ${again.reason}`);
        }
        throw again;
      });
    }
  }

  private async readOnce(query: ArchiveQuery, watermark: string): Promise<ChatMessage[]> {
    const millis = this.timeRange(query);
    if (millis.min > millis.max) return [];

    const files = await this.candidateFiles(query, watermark, millis);
    const hits: Hit[] = [];
    for (const file of files) {
      if (isBeyondPage(hits, query, file.firstKey, file.lastKey)) break;
      await this.guard(query.room, file, () => this.scanFile(query, file, millis, hits));
    }
    return this.materialize(query, hits);
  }

  /** The closed range of `ts` any row of the page can have, from the times and the id window. */
  private timeRange(query: ArchiveQuery): { min: number; max: number } {
    const ids = windowMillis(query.window);
    return {
      min: Math.max(ids.min, query.fromMs ?? 0),
      max: Math.min(ids.max, query.toMs === undefined ? Number.MAX_SAFE_INTEGER : query.toMs - 1),
    };
  }

  private async candidateFiles(
    query: ArchiveQuery,
    watermark: string,
    millis: { min: number; max: number },
  ): Promise<ArchiveFile[]> {
    const files = await this.list(query.room, watermark, millis);
    const firstDate = partitionDate(millis.min);
    const lastDate = partitionDate(Math.min(millis.max, 253_402_300_799_999));

    const candidates = files.filter(
      (file) =>
        file.date >= firstDate &&
        file.date <= lastDate &&
        overlaps(query.window, file.firstKey, file.lastKey),
    );
    this.counters.filesListed += files.length;
    this.counters.filesPrunedByName += files.length - candidates.length;

    return candidates.sort((a, b) =>
      query.order === 'desc'
        ? compareKeys(b.lastKey, a.lastKey)
        : compareKeys(a.firstKey, b.firstKey),
    );
  }

  /**
   * The room's files in the range: per date when the range is short, else the whole room.
   * NOTE: a file that is missing (deleted, or an ARCHIVE_DIR that moved) reads as no messages,
   * and the empty listing is kept until the watermark moves; checking the listing against the
   * id range up to the watermark would turn such gaps into a clear 5xx.
   */
  private async list(
    room: string,
    watermark: string,
    millis: { min: number; max: number },
  ): Promise<ArchiveFile[]> {
    const days = Math.floor(millis.max / DAY_MS) - Math.floor(millis.min / DAY_MS) + 1;
    if (days > MAX_DATES_LISTED_ONE_BY_ONE) return [...(await this.listRoom(room, watermark))];

    const files: ArchiveFile[] = [];
    for (let day = 0; day < days; day++) {
      const date = partitionDate(millis.min + day * DAY_MS);
      const prefix = `${roomPrefix(room)}date=${date}/`;
      files.push(...(await this.listPrefix(room, prefix, watermark, date)));
    }
    return files;
  }

  /**
   * The whole room. After the watermark moved, only the dates from the old watermark's date on
   * are listed again (when they are few): files of earlier dates cannot have changed.
   */
  private async listRoom(room: string, watermark: string): Promise<readonly ArchiveFile[]> {
    const prefix = roomPrefix(room);
    const cached = this.listings.get(prefix);
    if (cached?.watermark === watermark) return cached.files;

    const sinceMs = cached ? messageIdTime(cached.watermark) : undefined;
    const days = sinceMs === undefined ? Infinity : (messageIdTime(watermark) - sinceMs) / DAY_MS;
    if (!cached || sinceMs === undefined || days < 0 || days > MAX_DATES_LISTED_ONE_BY_ONE) {
      return this.listPrefix(room, prefix, watermark, undefined);
    }

    const since = partitionDate(sinceMs);
    const files = cached.files.filter((file) => file.date < since);
    for (let day = 0; day <= Math.ceil(days) + 1; day++) {
      const date = partitionDate(sinceMs + day * DAY_MS);
      if (date > partitionDate(messageIdTime(watermark))) break;
      files.push(...(await this.listPrefix(room, `${prefix}date=${date}/`, watermark, date)));
    }
    this.listings.set(prefix, { watermark, files });
    return files;
  }

  /**
   * A cached listing stays valid while the watermark is unchanged, and for a date before the
   * watermark's date for ever: new files only hold ids above the watermark, so newer dates.
   */
  private async listPrefix(
    room: string,
    prefix: string,
    watermark: string,
    date: string | undefined,
  ): Promise<readonly ArchiveFile[]> {
    const cached = this.listings.get(prefix);
    if (
      cached &&
      (cached.watermark === watermark ||
        (date !== undefined && date < partitionDate(messageIdTime(cached.watermark))))
    ) {
      return cached.files;
    }

    const files: ArchiveFile[] = [];
    this.counters.listings++;
    for await (const object of this.store.list(prefix)) {
      const name = parseArchiveFileKey(object.key);
      if (!name || name.room !== room) continue;
      files.push({
        key: object.key,
        size: object.size,
        date: name.date,
        firstKey: idSortKey(name.firstId),
        lastKey: idSortKey(name.lastId),
      });
    }
    this.listings.set(prefix, { watermark, files });
    return files;
  }

  private async scanFile(
    query: ArchiveQuery,
    file: ArchiveFile,
    millis: { min: number; max: number },
    hits: Hit[],
  ): Promise<void> {
    const footer = await this.footer(file);
    this.counters.filesOpened++;
    this.counters.rowGroupsInOpenedFiles += footer.rowGroups.length;

    const tsColumn = footer.columns.get('ts')!;
    const groups = footer.rowGroups.map((group) => ({
      group,
      range: timestampStatistics(group.chunks.get('ts')!, tsColumn),
    }));
    if (query.order === 'desc') groups.reverse();

    for (const { group, range } of groups) {
      if (range && (range.max < millis.min || range.min > millis.max)) {
        this.counters.rowGroupsSkippedByStatistics++;
        continue;
      }
      if (range && isBeyondPage(hits, query, timeKeyLow(range.min), timeKeyHigh(range.max))) {
        break;
      }
      this.counters.rowGroupsRead++;
      await this.scanRowGroup(query, file, footer, group, hits);
    }
  }

  private async scanRowGroup(
    query: ArchiveQuery,
    file: ArchiveFile,
    footer: ParquetFooter,
    group: RowGroup,
    hits: Hit[],
  ): Promise<void> {
    const [index, times, users] = await Promise.all([
      this.idIndex(file, footer, group),
      this.column(file, footer, group, 'ts'),
      query.user === undefined ? undefined : this.column(file, footer, group, 'user'),
    ]);

    // Walk the ids of the window in the page's order; the first `limit` matches are this row
    // group's best, so the walk stops there.
    const { lower, upper } = query.window;
    const { keys, rows } = index;
    const first = !lower
      ? 0
      : lower.inclusive
        ? lowerBound(keys, idSortKey(lower.id))
        : upperBound(keys, idSortKey(lower.id));
    const end = !upper
      ? keys.length
      : upper.inclusive
        ? upperBound(keys, idSortKey(upper.id))
        : lowerBound(keys, idSortKey(upper.id));

    const found: Hit[] = [];
    const step = query.order === 'desc' ? -1 : 1;
    for (let at = step < 0 ? end - 1 : first; at >= first && at < end; at += step) {
      const row = rows[at];
      const ts = times[row];
      if (typeof ts !== 'number') continue;
      if (query.fromMs !== undefined && ts < query.fromMs) continue;
      if (query.toMs !== undefined && ts >= query.toMs) continue;
      if (users && users[row] !== query.user) continue;

      const id = index.ids[at];
      found.push({ key: keys[at], id, ts, file, footer, group, row });
      if (found.length >= query.limit) break;
    }
    mergeInto(hits, found, query);
  }

  /** The row group's ids in id order, built once from the id column and cached with it. */
  private async idIndex(
    file: ArchiveFile,
    footer: ParquetFooter,
    group: RowGroup,
  ): Promise<IdIndex> {
    const cacheKey = `${file.key}#${group.index}#id-index`;
    const cached = this.columns.get(cacheKey);
    if (cached && !Array.isArray(cached)) return cached;

    const index = buildIdIndex(await this.column(file, footer, group, 'id'));
    this.columns.set(cacheKey, index);
    return index;
  }

  /** Fetches author and text only for the rows that made the page, once per row group. */
  private async materialize(query: ArchiveQuery, hits: Hit[]): Promise<ChatMessage[]> {
    const groups = new Map<string, Hit[]>();
    for (const hit of hits) {
      const groupKey = `${hit.file.key}#${hit.group.index}`;
      const groupHits = groups.get(groupKey) ?? [];
      groupHits.push(hit);
      groups.set(groupKey, groupHits);
    }

    const byId = new Map<string, ChatMessage>();
    for (const groupHits of groups.values()) {
      const { file, footer, group } = groupHits[0];
      const [users, texts] = await this.guard(query.room, file, () =>
        Promise.all([
          this.column(file, footer, group, 'user'),
          this.column(file, footer, group, 'text'),
        ]),
      );
      for (const hit of groupHits) {
        const user = String(users[hit.row] ?? '');
        const text = String(texts[hit.row] ?? '');
        byId.set(hit.id, { id: hit.id, room: query.room, user, text, ts: hit.ts });
      }
    }
    return hits.map((hit) => byId.get(hit.id)!);
  }

  private async footer(file: ArchiveFile): Promise<ParquetFooter> {
    const cached = this.footers.get(file.key);
    if (cached) return cached;

    this.counters.footerReads++;
    const footer = await readFooter(
      (start, end) => this.readRange(file.key, start, end),
      file.size,
    );
    for (const name of REQUIRED_COLUMNS) {
      if (!footer.columns.has(name)) throw new ParquetFormatError(`no column ${name}`);
    }
    this.footers.set(file.key, footer);
    return footer;
  }

  private async column(
    file: ArchiveFile,
    footer: ParquetFooter,
    group: RowGroup,
    name: string,
  ): Promise<CellValue[]> {
    const cacheKey = `${file.key}#${group.index}#${name}`;
    const cached = this.columns.get(cacheKey);
    if (Array.isArray(cached)) return cached;

    const chunk: ColumnChunk | undefined = group.chunks.get(name);
    const column: ParquetColumn | undefined = footer.columns.get(name);
    if (!chunk || !column) throw new ParquetFormatError(`row group ${group.index} lacks ${name}`);
    if (chunk.start + chunk.length > file.size) {
      throw new ParquetFormatError(`column ${name} reaches past the end of the file`);
    }

    this.counters.columnChunksRead++;
    const bytes = await this.readRange(file.key, chunk.start, chunk.start + chunk.length);
    const cells = decodeColumnChunk(bytes, chunk, column);
    if (cells.length !== group.numRows) {
      throw new ParquetFormatError(`column ${name} has ${cells.length} of ${group.numRows} rows`);
    }
    this.columns.set(cacheKey, cells);
    return cells;
  }

  private async readRange(key: string, start: number, end: number): Promise<Buffer> {
    this.counters.rangeReads++;
    const bytes = await this.store.readRange(key, start, end);
    this.counters.bytesRead += bytes.length;
    if (bytes.length !== end - start) {
      throw new ParquetFormatError(`short read: ${bytes.length} of ${end - start} bytes`);
    }
    return bytes;
  }

  /** Store outages stay 503s; anything else wrong with one file names the file in the log. */
  private async guard<T>(room: string, file: ArchiveFile, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      // The file may have been replaced or removed since it was listed: list and read anew.
      this.footers.delete(file.key);
      this.listings.delete(roomPrefix(room));
      this.listings.delete(`${roomPrefix(room)}date=${file.date}/`);
      if (error instanceof ArchiveStoreUnavailableError) throw error;

      const reason = error instanceof Error ? error.message : String(error);
      throw new ArchiveFileUnreadableError(room, file.date, file.key, reason);
    }
  }
}

/** Whether a file or row group whose ids lie within [low, high] cannot improve a full page. */
function isBeyondPage(hits: Hit[], query: ArchiveQuery, low: string, high: string): boolean {
  if (hits.length < query.limit) return false;
  const worst = hits[query.limit - 1].key;
  return query.order === 'desc' ? high < worst : low > worst;
}

/** Adds rows to the page kept in order, at most `limit`, each id once. */
function mergeInto(hits: Hit[], found: Hit[], query: ArchiveQuery): void {
  if (found.length === 0) return;

  const seen = new Set(hits.map((hit) => hit.key));
  const merged = hits.concat(found.filter((hit) => !seen.has(hit.key)));
  const sign = query.order === 'desc' ? -1 : 1;
  merged.sort((a, b) => sign * compareKeys(a.key, b.key));
  hits.splice(0, hits.length, ...merged.slice(0, query.limit));
}

function overlaps(window: IdWindow, firstKey: string, lastKey: string): boolean {
  const { lower, upper } = window;
  if (lower) {
    const order = compareKeys(lastKey, idSortKey(lower.id));
    if (order < 0 || (order === 0 && !lower.inclusive)) return false;
  }
  if (upper) {
    const order = compareKeys(firstKey, idSortKey(upper.id));
    if (order > 0 || (order === 0 && !upper.inclusive)) return false;
  }
  return true;
}

/** Sort keys of the first and last id a millisecond can hold. */
function timeKeyLow(ms: number): string {
  return idSortKey(`${ms}-0`);
}

function timeKeyHigh(ms: number): string {
  return idSortKey(`${ms}-99999999999999999999`);
}

/** Ids of a row group sorted by id (they usually are already), with their rows. */
interface IdIndex {
  readonly ids: string[];
  readonly keys: string[];
  readonly rows: Int32Array;
}

function buildIdIndex(column: CellValue[]): IdIndex {
  const ids: string[] = [];
  const keys: string[] = [];
  const rows: number[] = [];
  let sorted = true;
  for (let row = 0; row < column.length; row++) {
    const id = column[row];
    if (typeof id !== 'string' || id.indexOf('-') <= 0) continue;
    const key = idSortKey(id);
    if (keys.length > 0 && key < keys[keys.length - 1]) sorted = false;
    ids.push(id);
    keys.push(key);
    rows.push(row);
  }
  if (sorted) return { ids, keys, rows: Int32Array.from(rows) };

  const order = rows.map((_, at) => at).sort((a, b) => compareKeys(keys[a], keys[b]));
  return {
    ids: order.map((at) => ids[at]),
    keys: order.map((at) => keys[at]),
    rows: Int32Array.from(order, (at) => rows[at]),
  };
}

/** The first position whose key is >= `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (keys[middle] < key) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The first position whose key is > `key`. */
function upperBound(keys: readonly string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (keys[middle] <= key) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Roughly what a cached entry holds on the heap; strings cost a header and 1-2 bytes a char. */
function estimateBytes(value: CellValue[] | IdIndex): number {
  if (!Array.isArray(value)) return value.ids.length * 160;

  let bytes = 16 * value.length;
  for (const cell of value) if (typeof cell === 'string') bytes += 2 * cell.length;
  return bytes;
}

function emptyStats(): ArchiveReaderStats {
  return {
    listings: 0,
    filesListed: 0,
    filesPrunedByName: 0,
    filesOpened: 0,
    footerReads: 0,
    rowGroupsInOpenedFiles: 0,
    rowGroupsSkippedByStatistics: 0,
    rowGroupsRead: 0,
    columnChunksRead: 0,
    rangeReads: 0,
    bytesRead: 0,
  };
}
