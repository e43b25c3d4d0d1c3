import {
  Inject,
  Injectable,
  InternalServerErrorException,
  Logger,
  ServiceUnavailableException,
} from '@nestjs/common';

import { ArchiveStoreUnavailableError, ObjectStore } from '../archive/object-store';
import { ARCHIVE_STORE } from '../archive/object-store.factory';
import { ChatMessage } from '../common/chat-message';
import { ArchiveFileUnreadableError, ArchiveReader } from './archive-reader';
import { HotTierReader } from './hot-tier-reader';
import {
  compareKeys,
  IdBound,
  idSortKey,
  IdWindow,
  isEmptyWindow,
  maxLower,
  minUpper,
  Order,
} from './id-window';

export interface HistoryQuery {
  readonly room: string;
  readonly limit: number;
  /** Only messages older than this id; the page is newest first. */
  readonly before?: string;
  /** Only messages newer than this id; without `before`, the page is oldest first. */
  readonly after?: string;
  /** `ts` from (inclusive), epoch milliseconds. */
  readonly fromMs?: number;
  /** `ts` to (exclusive), epoch milliseconds. */
  readonly toMs?: number;
  readonly user?: string;
}

export interface HistoryPage {
  readonly order: Order;
  readonly messages: readonly ChatMessage[];
  readonly hasMore: boolean;
}

/**
 * A room's whole timeline: the hot tier (Valkey) and the archive (Parquet) merged, each message
 * once, in id order.
 *
 * Why nothing is skipped or repeated while exports run: the hot tier is read first, together
 * with its oldest id O; the watermark W is read after. A message missing from that hot read was
 * trimmed before it, and a trim only removes messages that are archived (file visible, W moved)
 * and older than O. So the hot read plus the archive's ids below O, up to W, is everything; the
 * two do not overlap, and duplicates would be dropped anyway.
 */
@Injectable()
export class HistoryService {
  private readonly logger = new Logger(HistoryService.name);
  readonly archive: ArchiveReader;

  constructor(
    private readonly hot: HotTierReader,
    @Inject(ARCHIVE_STORE) store: ObjectStore,
  ) {
    this.archive = new ArchiveReader(store);
  }

  async page(query: HistoryQuery): Promise<HistoryPage> {
    const order: Order = query.after !== undefined && query.before === undefined ? 'asc' : 'desc';
    const window = requestedWindow(query);
    if (isEmptyWindow(window)) return { order, messages: [], hasMore: false };

    const wanted = query.limit + 1;
    const hot = await this.hot.scan(query.room, window, order, wanted, query.user);
    // Newest first, a full hot page is final: every archived-only message is older than O.
    const archived =
      order === 'desc' && hot.messages.length >= wanted
        ? []
        : await this.archived(query, window, order, wanted, hot.oldestHotId);

    const messages = mergeTiers(hot.messages, archived, order);
    return {
      order,
      messages: messages.slice(0, query.limit),
      hasMore: messages.length > query.limit,
    };
  }

  private async archived(
    query: HistoryQuery,
    window: IdWindow,
    order: Order,
    limit: number,
    oldestHotId: string | undefined,
  ): Promise<ChatMessage[]> {
    const watermark = await this.hot.watermark(query.room);
    if (watermark === undefined) return [];

    let upper = minUpper(window.upper, { id: watermark, inclusive: true });
    if (oldestHotId !== undefined) upper = minUpper(upper, { id: oldestHotId, inclusive: false });
    const archiveWindow = { lower: window.lower, upper };
    if (isEmptyWindow(archiveWindow)) return [];

    try {
      return await this.archive.read({ ...query, order, window: archiveWindow, limit }, watermark);
    } catch (error) {
      if (error instanceof ArchiveStoreUnavailableError) this.logger.error(error.message);
      throw toHttpError(error);
    }
  }
}

/** The ids the query asks for: cursors and times as one window. */
function requestedWindow(query: HistoryQuery): IdWindow {
  const after: IdBound | undefined = query.after
    ? { id: query.after, inclusive: false }
    : undefined;
  const before: IdBound | undefined = query.before
    ? { id: query.before, inclusive: false }
    : undefined;
  const from =
    query.fromMs === undefined ? undefined : { id: `${query.fromMs}-0`, inclusive: true };
  const to = query.toMs === undefined ? undefined : { id: `${query.toMs}-0`, inclusive: false };
  return { lower: maxLower(after, from), upper: minUpper(before, to) };
}

/** Both tiers' messages in order, each id once. */
export function mergeTiers(
  hot: readonly ChatMessage[],
  archived: readonly ChatMessage[],
  order: Order,
): ChatMessage[] {
  const byKey = new Map<string, ChatMessage>();
  for (const message of [...hot, ...archived]) byKey.set(idSortKey(message.id), message);

  const sign = order === 'desc' ? -1 : 1;
  return [...byKey.entries()]
    .sort(([a], [b]) => sign * compareKeys(a, b))
    .map(([, message]) => message);
}

function toHttpError(error: unknown): unknown {
  if (error instanceof ArchiveFileUnreadableError) {
    return new InternalServerErrorException(
      `The archive of room ${error.room} for ${error.date} has a file that cannot be read; ` +
        'pages that need it fail until an operator replaces or removes it',
    );
  }
  if (error instanceof ArchiveStoreUnavailableError) {
    return new ServiceUnavailableException('The archive store is unavailable; retry later');
  }
  return error;
}
