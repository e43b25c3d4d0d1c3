import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';

import { parseArchiveFileKey, roomPrefix } from '../../src/archive/archive-layout';

export interface ArchivedCount {
  /** Rows in the room's archive files, as DuckDB reads them. */
  readonly rows: number;
  /** Distinct message ids among those rows: equal to `rows` when nothing is archived twice. */
  readonly distinct: number;
  readonly files: number;
}

/** Counts a room's archived messages under a local archive root with DuckDB. */
export async function archivedCount(root: string, room: string): Promise<ArchivedCount> {
  const files = archiveFiles(root, roomPrefix(room));
  if (files.length === 0) return { rows: 0, distinct: 0, files: 0 };

  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const list = files.map((file) => `'${file.replace(/'/g, "''")}'`).join(', ');
    const reader = await connection.runAndReadAll(
      `SELECT count(*) AS rows, count(DISTINCT id) AS ids FROM read_parquet([${list}])`,
    );
    const [row] = reader.getRowObjectsJS() as { rows: bigint; ids: bigint }[];
    return { rows: Number(row.rows), distinct: Number(row.ids), files: files.length };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Finished archive files only: a temporary file being written does not parse as a key. */
function archiveFiles(root: string, prefix: string): string[] {
  try {
    return readdirSync(join(root, prefix), { recursive: true, encoding: 'utf8' })
      .filter((name) => parseArchiveFileKey(`${prefix}${name}`) !== undefined)
      .map((name) => join(root, prefix, name));
  } catch {
    return [];
  }
}
