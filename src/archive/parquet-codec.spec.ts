import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { archiveTable, duckdb, tempDir, TRICKY_TEXTS } from '../../test/support/archive-support';
import { ChatMessage } from '../common/chat-message';
import { ArchiveFileWriter, encodeArchiveFile } from './parquet-codec';

const BASE_TS = Date.UTC(2024, 11, 3, 12, 0, 0, 123);

function messages(count: number): ChatMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${BASE_TS + i}-0`,
    room: '#ubuntu',
    user: i % 2 ? 'ålice' : 'bob',
    text: TRICKY_TEXTS[i % TRICKY_TEXTS.length],
    ts: BASE_TS + i,
  }));
}

describe('parquet codec', () => {
  const dir = tempDir('codec');

  describe(encodeArchiveFile.name, () => {
    const rows = messages(3000);
    const file = join(dir, 'rows.parquet');

    beforeAll(async () => {
      // Several row groups, so that wrong statistics would prune some of them.
      writeFileSync(file, await encodeArchiveFile(rows, 1000));
    });

    it('writes columns that DuckDB reads back byte for byte, ts as a timestamp', async () => {
      const read = await duckdb(
        `SELECT id, room, "user", text, epoch_ms(ts) AS ms, typeof(ts) AS type
         FROM read_parquet('${file}') ORDER BY ms`,
      );

      expect(read).toHaveLength(rows.length);
      read.forEach((row, i) => {
        expect(row).toEqual({
          ...rows[i],
          ts: undefined,
          ms: BigInt(rows[i].ts),
          type: 'TIMESTAMP',
        });
      });
    });

    it.each(TRICKY_TEXTS)('finds %j with WHERE text = (no wrong pruning)', async (text) => {
      const [found] = await duckdb(
        `SELECT count(*) AS n FROM read_parquet('${file}') WHERE text = $1`,
        [text],
      );
      expect(Number(found.n)).toBe(rows.filter((row) => row.text === text).length);
    });

    it('writes Snappy, no string statistics, and correct ts statistics', async () => {
      const meta = await duckdb(
        `SELECT path_in_schema AS col, compression, stats_min_value AS min, stats_max_value AS max
         FROM parquet_metadata('${file}') ORDER BY row_group_id, column_id`,
      );

      expect(new Set(meta.map((column) => column.compression))).toEqual(new Set(['SNAPPY']));
      for (const column of meta.filter((c) => c.col !== 'ts')) {
        expect([column.min, column.max]).toEqual([null, null]);
      }
      const ts = meta.filter((column) => column.col === 'ts');
      expect(ts).toHaveLength(3);
      expect(ts[0].min).toBe(new Date(BASE_TS).toISOString().replace('T', ' ').replace('Z', ''));
      expect(ts[2].max).toBe(
        new Date(BASE_TS + 2999).toISOString().replace('T', ' ').replace('Z', ''),
      );
    });
  });

  describe(ArchiveFileWriter.name, () => {
    it('writes one row group of up to the batch size and reports rows and bytes', async () => {
      const path = join(dir, 'file.parquet');
      const writer = await ArchiveFileWriter.toFile(path, 50_000);
      for (const message of messages(20_000)) await writer.append(message);
      const stats = await writer.close();

      const [meta] = await duckdb(
        `SELECT count(DISTINCT row_group_id) AS groups, max(row_group_num_rows) AS rows
         FROM parquet_metadata('${path}')`,
      );
      const [table] = await duckdb(`SELECT count(*) AS n FROM ${archiveTable(dir)}`);

      expect(stats.rows).toBe(20_000);
      expect(stats.bytes).toBeGreaterThan(0);
      expect(meta).toEqual({ groups: 1n, rows: 20_000n });
      expect(Number(table.n)).toBeGreaterThanOrEqual(20_000);
    });
  });
});
