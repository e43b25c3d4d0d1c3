import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { Valkey } from 'iovalkey';

import { archiveFileKey, partitionDate } from '../../src/archive/archive-layout';
import { ChatMessage } from '../../src/common/chat-message';
import { compareMessageIds, messageIdTime } from '../../src/common/message-id';
import { toMessage } from '../../src/messages/message-store';
import { roomKeys } from '../../src/valkey/room-keys';

/**
 * Archive files made the way the archive writer makes them (Hive partitions, one file per date
 * and export, named by first and last id, SNAPPY, row groups of 50,000), written by DuckDB: the
 * reader under test is checked against files it did not write.
 */
export class DuckDbArchive {
  private constructor(
    readonly root: string,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  static async create(root?: string): Promise<DuckDbArchive> {
    const dir = root ?? (await mkdtemp(join(tmpdir(), 'history-archive-')));
    const instance = await DuckDBInstance.create(':memory:');
    return new DuckDbArchive(dir, instance, await instance.connect());
  }

  /** Writes messages (ordered by id) as one file per date; returns the keys written. */
  async write(messages: readonly ChatMessage[]): Promise<string[]> {
    const byDate = new Map<string, ChatMessage[]>();
    for (const message of [...messages].sort((a, b) => compareMessageIds(a.id, b.id))) {
      const date = partitionDate(message.ts);
      const rows = byDate.get(date) ?? [];
      rows.push(message);
      byDate.set(date, rows);
    }

    const keys: string[] = [];
    for (const [date, rows] of byDate) {
      const key = archiveFileKey({
        room: rows[0].room,
        date,
        firstId: rows[0].id,
        lastId: rows[rows.length - 1].id,
      });
      await this.writeFile(key, rows);
      keys.push(key);
    }
    return keys;
  }

  private async writeFile(key: string, rows: readonly ChatMessage[]): Promise<void> {
    await this.connection.run(
      'CREATE OR REPLACE TEMP TABLE staged (n BIGINT, id VARCHAR, room VARCHAR, ' +
        '"user" VARCHAR, text VARCHAR, ts BIGINT)',
    );
    const appender = await this.connection.createAppender('staged');
    rows.forEach((row, n) => {
      appender.appendBigInt(BigInt(n));
      appender.appendVarchar(row.id);
      appender.appendVarchar(row.room);
      appender.appendVarchar(row.user);
      appender.appendVarchar(row.text);
      appender.appendBigInt(BigInt(row.ts));
      appender.endRow();
    });
    appender.closeSync();

    const target = join(this.root, ...key.split('/'));
    const temporary = `${target}.tmp`;
    await mkdir(dirname(target), { recursive: true });
    await this.connection.run(
      `COPY (SELECT id, room, "user", text, epoch_ms(ts)::TIMESTAMP_MS AS ts FROM staged ` +
        `ORDER BY n) TO '${temporary.replace(/'/g, "''")}' ` +
        '(FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 50000)',
    );
    await rename(temporary, target);
  }

  /** What DuckDB finds in the room's files for a filter: the independent answer. */
  async query(
    room: string,
    filter: { fromMs?: number; toMs?: number; user?: string } = {},
  ): Promise<ChatMessage[]> {
    const conditions = ['room = $room'];
    const values: Record<string, string | number> = { room };
    if (filter.fromMs !== undefined) {
      conditions.push('epoch_ms(ts) >= $from');
      values.from = filter.fromMs;
    }
    if (filter.toMs !== undefined) {
      conditions.push('epoch_ms(ts) < $to');
      values.to = filter.toMs;
    }
    if (filter.user !== undefined) {
      conditions.push('"user" = $user');
      values.user = filter.user;
    }
    const glob = join(this.root, '**', '*.parquet').replace(/'/g, "''");
    const reader = await this.connection.runAndReadAll(
      `SELECT id, room, "user", text, epoch_ms(ts)::BIGINT AS ts FROM read_parquet('${glob}', ` +
        `hive_partitioning = false) WHERE ${conditions.join(' AND ')}`,
      values,
    );
    return reader.getRowObjects().map((row) => ({
      id: String(row.id),
      room: String(row.room),
      user: String(row.user),
      text: String(row.text),
      ts: Number(row.ts),
    }));
  }

  async close(removeFiles = true): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
    if (removeFiles) await rm(this.root, { recursive: true, force: true });
  }
}

/**
 * Archives a room's oldest hot messages as an export does: files first, then the watermark, then
 * the trim (only ids at or below the watermark, keeping the newest `keepHot`).
 */
export async function exportOldest(
  client: Valkey,
  archive: DuckDbArchive,
  room: string,
  count: number,
  keepArchivedInHot = 0,
): Promise<string | undefined> {
  const keys = roomKeys(room);
  const watermark = await client.hget(keys.archive, 'watermark');
  const entries = (await client.xrange(
    keys.messages,
    watermark ? `(${watermark}` : '-',
    '+',
    'COUNT',
    count,
  )) as [string, string[]][];
  if (entries.length === 0) return watermark ?? undefined;

  const messages = entries.map((entry) => toMessage(room, entry));
  await archive.write(messages);
  const last = messages[messages.length - 1].id;
  await client.hset(keys.archive, 'watermark', last);

  // MINID keeps ids at or above the threshold.
  const kept = messages.slice(Math.max(0, messages.length - keepArchivedInHot));
  const threshold = keepArchivedInHot > 0 ? kept[0].id : nextId(last);
  await client.xtrim(keys.messages, 'MINID', threshold);
  return last;
}

/** The smallest id after `id`. */
export function nextId(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${BigInt(seq) + 1n}`;
}

export function idTime(id: string): number {
  return messageIdTime(id);
}
