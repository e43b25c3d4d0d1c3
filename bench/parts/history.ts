import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { Valkey } from 'iovalkey';

import { roomPrefix } from '../../src/archive/archive-layout';
import { ImportClient } from '../../src/import/cli/import-client';
import { roomKeys, ROOMS_KEY } from '../../src/valkey/room-keys';
import { BenchContext, BenchPart, Figure, figure, PartFailure, round } from '../part';
import { alternate, ServiceAlone, startServiceAlone } from '../support/service-pair';
import { SyntheticArchive, writeSyntheticArchive } from '../support/synthetic-archive';

const PAGE = 100;
/** Requests of each kind per run and side, cycling through the days or authors below. */
const SAMPLES = 30;
const MAX_RUNS = 3;
const DAYS_QUERIED = 12;
/** Authors by how much they wrote: the most, the 10th, the 100th and the 1,000th. */
const AUTHOR_RANKS = [1, 10, 100, 1000];
const IRC_ROOM = '#ubuntu';
const SYNTHETIC = {
  room: 'bench-history',
  messages: 10_000_000,
  days: 100,
  firstDayMs: Date.UTC(2025, 0, 1),
  rowsPerFile: 50_000,
  authors: 5000,
};
const DUCKDB_REFERENCE = 'DuckDB, the same query on the same files';

/** One request to the service and the same query for DuckDB. */
interface Query {
  readonly path: string;
  readonly sql: string;
  /** The SQL condition of the query without its cursor. */
  readonly condition?: string;
}

interface Timed {
  readonly ms: number;
  readonly ids: string[];
  readonly nextBefore?: string;
}

/**
 * Pages of GET /api/v1/history over archives only (the hot tier is empty), against DuckDB's
 * time for the same query on the same files: a one-day page and a one-author page, over the
 * full IRC data imported and archived through the service (when IRC_DATA_DIR is set), and
 * over a synthetic archive of 10,000,000 messages written directly in the service's layout.
 */
export const historyPart: BenchPart = {
  name: 'history',
  method:
    `GET /api/v1/history one request at a time, newest page of ${PAGE}: a one-day page ` +
    `(${DAYS_QUERIED} days spread over the room's dates, in turn) and a one-author page ` +
    `(authors ranked ${AUTHOR_RANKS.join(', ')} by messages, in turn) and scrolling the ` +
    `busiest day (its first pages through before cursors), ${SAMPLES} requests of each per ` +
    'run and side, p50 and p99 of each run, median over the runs. Archives: (a) the ' +
    `full IRC data from IRC_DATA_DIR imported through POST /api/v1/import and archived through ` +
    `POST /api/v1/exports with HOT_RETENTION=0, room ${IRC_ROOM}; (b) ` +
    `${SYNTHETIC.messages.toLocaleString('en')} messages over ${SYNTHETIC.days} days by ` +
    `${SYNTHETIC.authors} authors, written by DuckDB in the service's layout (files and row ` +
    `groups of ${SYNTHETIC.rowsPerFile.toLocaleString('en')}, SNAPPY, ts statistics) with the ` +
    "room's watermark set in Valkey. The reference runs the same query in-process through " +
    "@duckdb/node-api (read_parquet over the room's files, ORDER BY ts and id, LIMIT); the " +
    'service is timed over HTTP on loopback. Both sides first answer every query once ' +
    '(warm caches) and must return the same ids',

  async run(context) {
    const runs = Math.min(context.runs, MAX_RUNS);
    const archiveDir = join(context.workDir, 'history-archive');
    // Everything archived leaves the hot tier, so every page comes from the Parquet files.
    const service = await startServiceAlone(context, {
      ARCHIVE_DIR: archiveDir,
      HOT_RETENTION: '0',
    });
    const instance = await DuckDBInstance.create(':memory:');
    const duck = await instance.connect();
    try {
      const bench = new HistoryBench(context, service, duck, archiveDir, runs);
      const figures: Figure[] = [];
      const ircDir = process.env.IRC_DATA_DIR;
      if (ircDir) {
        try {
          await bench.archiveIrcData(ircDir);
          figures.push(...(await bench.measure('IRC data', IRC_ROOM)));
        } catch (error) {
          bench.failed('IRC data', error);
        }
      } else {
        context.log('history: IRC_DATA_DIR is not set; the half over the IRC data is skipped');
      }

      const started = Date.now();
      const synthetic = await writeSyntheticArchive(duck, archiveDir, SYNTHETIC);
      await markArchived(service.valkeyUrl, synthetic);
      context.log(
        `history: wrote ${synthetic.messages} messages in ${synthetic.files} files ` +
          `in ${Date.now() - started} ms`,
      );
      const note = ircDir ? undefined : 'the IRC half was skipped: IRC_DATA_DIR was not set';
      figures.push(...(await bench.measure('10M synthetic', SYNTHETIC.room, note)));
      if (bench.failures.length > 0) throw new PartFailure(bench.failures.join('; '), figures);
      return figures;
    } finally {
      duck.closeSync();
      instance.closeSync();
      await service.stop();
    }
  },
};

class HistoryBench {
  /** What failed, so that the rest is still measured and the part still says it failed. */
  readonly failures: string[] = [];

  constructor(
    private readonly context: BenchContext,
    private readonly service: ServiceAlone,
    private readonly duck: DuckDBConnection,
    private readonly archiveDir: string,
    private readonly runs: number,
  ) {}

  failed(what: string, error: unknown): void {
    const message = (error as Error)?.message?.split('\n')[0] ?? String(error);
    this.context.log(`history ${what} failed: ${(error as Error)?.stack ?? message}`);
    this.failures.push(`${what}: ${message}`);
  }

  /** Imports every file of the directory through the service, then archives every room. */
  async archiveIrcData(dir: string): Promise<void> {
    const started = Date.now();
    const files = readdirSync(dir)
      .filter((name) => name.endsWith('.jsonl'))
      .sort();
    const client = new ImportClient(this.service.serviceUrl);
    for (const file of files) await client.importFile(join(dir, file));
    const { lines, imported, refused } = client.totals;
    if (imported + refused !== lines) {
      throw new Error(`the import read ${lines} lines, imported ${imported}, refused ${refused}`);
    }

    const response = await fetch(`${this.service.serviceUrl}/api/v1/exports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    if (!response.ok) throw new Error(`export answered ${response.status}`);
    const { rows } = (await response.json()) as { rows: number };
    if (rows !== imported) throw new Error(`archived ${rows} messages of ${imported} imported`);
    this.context.log(
      `history: imported ${imported} of ${lines} IRC lines (${refused} refused) and archived ` +
        `them in ${Date.now() - started} ms`,
    );
  }

  /** Both queries over one room's archive: p50 and p99 of the service against DuckDB's. */
  async measure(label: string, room: string, note?: string): Promise<Figure[]> {
    const source =
      `read_parquet('${join(this.archiveDir, roomPrefix(room), 'date=*', '*.parquet')}', ` +
      'hive_partitioning = false)';
    const kinds: Record<string, () => Promise<Query[]>> = {
      'one-day page': () => this.dayQueries(room, source),
      'one-author page': () => this.authorQueries(room, source),
      'scrolling a day': () => this.scrollQueries(room, source),
    };

    const figures: Figure[] = [];
    for (const [kind, queries] of Object.entries(kinds)) {
      try {
        figures.push(...(await this.measureKind(`${label}: ${kind}`, await queries(), note)));
      } catch (error) {
        this.failed(`${label}, ${kind}`, error);
      }
    }
    return figures;
  }

  /** Every query once on both sides, which must agree; then the timed runs. */
  private async measureKind(name: string, queries: Query[], note?: string): Promise<Figure[]> {
    for (const query of queries) await this.agree(query);

    const next = { service: 0, bare: 0 };
    const runs = await alternate(this.runs, async (side) => {
      const times: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const query = queries[next[side]++ % queries.length];
        const timed = side === 'service' ? this.viaService(query) : this.viaDuckDb(query);
        times.push((await timed).ms);
      }
      const result = { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
      this.context.log(
        `history ${name}, ${side === 'service' ? 'service' : 'DuckDB'}: ` +
          `p50 ${round(result.p50)} ms, p99 ${round(result.p99)} ms`,
      );
      return result;
    });

    const common = { unit: 'ms', reference: DUCKDB_REFERENCE, better: 'lower' as const, note };
    const of = (key: 'p50' | 'p99') =>
      [runs.service.map((run) => run[key]), runs.bare.map((run) => run[key])] as const;
    return [
      figure({ name: `history ${name} p50`, ...common }, ...of('p50')),
      figure({ name: `history ${name} p99`, ...common }, ...of('p99')),
    ];
  }

  /** Newest page of each of some days spread over the room's dates. */
  private async dayQueries(room: string, source: string): Promise<Query[]> {
    const days = spread(await this.days(source), DAYS_QUERIED);
    return days.map((day) => dayPage(room, source, day));
  }

  /**
   * The first pages of the room's busiest day, older page after older page through `before`
   * cursors, as a client scrolls; DuckDB gets the same cursors as a condition on (ts, sequence).
   */
  private async scrollQueries(room: string, source: string): Promise<Query[]> {
    const [busiest] = await this.rows(
      `SELECT strftime(ts, '%Y-%m-%d') AS day FROM ${source} GROUP BY day ` +
        'ORDER BY count(*) DESC, day LIMIT 1',
    );
    const first = dayPage(room, source, String(busiest.day));
    const queries = [first];
    for (;;) {
      const { nextBefore } = await this.viaService(queries[queries.length - 1]);
      if (!nextBefore || queries.length >= SAMPLES) return queries;
      const [ms, sequence] = nextBefore.split('-').map(Number);
      queries.push({
        path: `${first.path}&before=${nextBefore}`,
        sql: newestPage(
          source,
          `${first.condition} AND (ts < epoch_ms(${ms}) OR (ts = epoch_ms(${ms}) AND ` +
            `split_part(id, '-', 2)::BIGINT < ${sequence}))`,
        ),
        condition: first.condition,
      });
    }
  }

  private async days(source: string): Promise<string[]> {
    const rows = await this.rows(
      `SELECT DISTINCT strftime(ts, '%Y-%m-%d') AS day FROM ${source} ORDER BY day`,
    );
    return rows.map((row) => String(row.day));
  }

  /** Newest page of authors ranked by how much they wrote. */
  private async authorQueries(room: string, source: string): Promise<Query[]> {
    const rows = await this.rows(
      `SELECT "user" FROM ${source} GROUP BY "user" ORDER BY count(*) DESC, "user"`,
    );
    const authors = AUTHOR_RANKS.filter((rank) => rank <= rows.length).map((rank) =>
      String(rows[rank - 1].user),
    );
    return authors.map((author) => ({
      path:
        `/api/v1/history?room=${encodeURIComponent(room)}&user=${encodeURIComponent(author)}` +
        `&limit=${PAGE}`,
      sql: newestPage(source, `"user" = '${author.replace(/'/g, "''")}'`),
    }));
  }

  /** Both sides answer the query with the same messages, or the timing means nothing. */
  private async agree(query: Query): Promise<void> {
    const service = await this.viaService(query);
    const duckdb = await this.viaDuckDb(query);
    if (service.ids.length === 0 || service.ids.join() !== duckdb.ids.join()) {
      throw new Error(
        `${query.path}: the service answered ${service.ids.length} messages, DuckDB ` +
          `${duckdb.ids.length}, not the same ids`,
      );
    }
  }

  private async viaService(query: Query): Promise<Timed> {
    const started = process.hrtime.bigint();
    const response = await fetch(`${this.service.serviceUrl}${query.path}`);
    const body = (await response.json()) as {
      messages?: { id: string }[];
      nextBefore?: string;
      message?: string;
    };
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (!response.ok || !body.messages) {
      throw new Error(`${query.path} answered ${response.status}: ${body.message ?? ''}`);
    }
    return { ms, ids: body.messages.map((message) => message.id), nextBefore: body.nextBefore };
  }

  private async viaDuckDb(query: Query): Promise<Timed> {
    const started = process.hrtime.bigint();
    const reader = await this.duck.runAndReadAll(query.sql);
    const rows = reader.getRowObjects();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    return { ms, ids: rows.map((row) => String(row.id)) };
  }

  private async rows(sql: string): Promise<Record<string, unknown>[]> {
    return (await this.duck.runAndReadAll(sql)).getRowObjects();
  }
}

/** The newest page of one UTC day. */
function dayPage(room: string, source: string, day: string): Query {
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const condition = `ts >= TIMESTAMP '${day}' AND ts < TIMESTAMP '${next}'`;
  return {
    path: `/api/v1/history?room=${encodeURIComponent(room)}&from=${day}&to=${next}&limit=${PAGE}`,
    sql: newestPage(source, condition),
    condition,
  };
}

/** The newest page where `condition` holds, newest first in id order (time, then sequence). */
function newestPage(source: string, condition: string): string {
  return (
    `SELECT id, room, "user", text, ts FROM ${source} WHERE ${condition} ` +
    `ORDER BY ts DESC, split_part(id, '-', 2)::BIGINT DESC LIMIT ${PAGE}`
  );
}

/** Sets the room's watermark to its newest archived id, so the service reads the files. */
async function markArchived(valkeyUrl: string, archive: SyntheticArchive): Promise<void> {
  const valkey = new Valkey(valkeyUrl);
  try {
    await valkey.sadd(ROOMS_KEY, archive.room);
    await valkey.hset(roomKeys(archive.room).archive, 'watermark', archive.lastId);
  } finally {
    valkey.disconnect();
  }
}

/** `count` values spread evenly over `values`, first and last included. */
function spread<T>(values: readonly T[], count: number): T[] {
  if (values.length <= count) return [...values];
  return Array.from(
    { length: count },
    (_, i) => values[Math.round((i * (values.length - 1)) / (count - 1))],
  );
}

/** Nearest-rank percentile: p99 of fewer than 100 samples is their slowest. */
function percentile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
