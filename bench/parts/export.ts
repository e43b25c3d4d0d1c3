import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import { Valkey } from 'iovalkey';

import { roomPrefix } from '../../src/archive/archive-layout';
import { roomKeys } from '../../src/valkey/room-keys';
import { BenchContext, BenchPart, figure, round } from '../part';
import { DuckDbExportResult } from '../reference/duckdb-export';
import { fillRoom } from '../support/fill-room';
import { describeLoad, load, LoadResult, startLoad } from '../support/load';
import { PeakMemory, residentMemory } from '../support/memory';
import { runNodeProgram } from '../support/processes';
import { alternate, ServiceAlone, startServiceAlone } from '../support/service-pair';

const ROWS = 1_000_000;
const ROOM = '#bench-export';
/** A smaller room exported once first, so the worker's code is compiled before measuring. */
const WARM_UP_ROOM = '#bench-export-warm-up';
const WARM_UP_ROWS = 100_000;
/** The service's default EXPORT_BATCH_SIZE: rows per file and per row group. */
const BATCH_SIZE = 50_000;
/** A 1,000,000-row export takes about half a minute a side: two runs keep the bench short. */
const MAX_RUNS = 2;
const IDLE_SECONDS = 10;
const WARM_UP_SECONDS = 3;
/** A steady read load beside the export, not one that saturates the machine by itself. */
const CONNECTIONS = 10;

const DUCKDB_REFERENCE = 'DuckDB, 1 thread, same rows from the same stream';
const IDLE_REFERENCE = 'the same service idle';

const MESSAGES = {
  user: (i: number) => `user-${i % 500}`,
  text: (i: number) => `message ${i}: has anyone tried the new kernel on a ThinkPad? 🐧 wifi drops`,
};

interface ExportRun {
  readonly rows: number;
  readonly rowsPerSecond: number;
  readonly peakMiB: number;
  readonly beforeMiB: number;
}

/**
 * The archive export at scale: a room of a million messages in a private Valkey, exported
 * through the running service, against DuckDB writing the same rows to Parquet; then the read
 * latency of the same service during an export against idle.
 */
export const exportPart: BenchPart = {
  name: 'export',
  method:
    `one room of ${ROWS.toLocaleString('en')} messages filled with pipelined XADD, archived through ` +
    `GET /api/v1/export?room= (triggers off, local disk, files and row groups of ` +
    `${BATCH_SIZE.toLocaleString('en')} rows, SNAPPY); the reference is a separate process ` +
    'reading the same stream in the same XRANGE pages of 5,000 and writing the same files ' +
    `through DuckDB's appender and COPY ... TO parquet with the same row group size. Peak memory ` +
    'is the resident memory of each whole process (the service with its export worker thread). ' +
    `Read latency: GET /api/v1/messages (newest 100) with autocannon, ${CONNECTIONS} ` +
    `connections, ${IDLE_SECONDS} s idle against a whole export under the same load`,

  async run(context) {
    const runs = Math.min(context.runs, MAX_RUNS);
    // The hot tier is kept whole, so every run exports the same million messages.
    const service = await startServiceAlone(context, {
      HOT_RETENTION: '10000000',
      EXPORT_BATCH_SIZE: String(BATCH_SIZE),
    });
    try {
      const filled = Date.now();
      await fillRoom(service.valkeyUrl, { ...MESSAGES, room: ROOM, count: ROWS });
      await fillRoom(service.valkeyUrl, { ...MESSAGES, room: WARM_UP_ROOM, count: WARM_UP_ROWS });
      context.log(`export: filled ${ROWS} + ${WARM_UP_ROWS} messages in ${Date.now() - filled} ms`);

      const exports = new Exports(context, service);
      await exports.warmUp();
      const quiet = await alternate(runs, (side) =>
        side === 'service' ? exports.throughService() : exports.withDuckDb(),
      );

      const messagesUrl = `${service.serviceUrl}/api/v1/messages?room=${encodeURIComponent(ROOM)}`;
      await load({ url: messagesUrl, connections: CONNECTIONS, seconds: WARM_UP_SECONDS });
      const reads = { idle: [] as LoadResult[], during: [] as LoadResult[] };
      const loaded: ExportRun[] = [];
      for (let run = 0; run < runs; run++) {
        const idle = await load({
          url: messagesUrl,
          connections: CONNECTIONS,
          seconds: IDLE_SECONDS,
        });
        context.log(`export: GET /messages idle: ${describeLoad(idle)}`);
        const running = startLoad({ url: messagesUrl, connections: CONNECTIONS, seconds: 600 });
        loaded.push(await exports.throughService());
        const during = await running.stop();
        context.log(`export: GET /messages during the export: ${describeLoad(during)}`);
        reads.idle.push(idle);
        reads.during.push(during);
      }

      return figures(quiet, loaded, reads);
    } finally {
      await service.stop();
    }
  },
};

/** The two ways of writing the room's archive, each measured alone. */
class Exports {
  private checked = false;

  constructor(
    private readonly context: BenchContext,
    private readonly service: ServiceAlone,
  ) {}

  private get serviceArchive(): string {
    return join(this.context.workDir, 'archive');
  }

  async warmUp(): Promise<void> {
    const { rows } = await this.exportRoom(WARM_UP_ROOM);
    if (rows !== WARM_UP_ROWS) throw new Error(`the warm-up exported ${rows} rows`);
  }

  /** One export of the whole room through the service, from a clean archive state. */
  async throughService(): Promise<ExportRun> {
    await this.resetArchive();
    const beforeMiB = residentMemory(this.service.servicePid).rssMiB;
    const peak = PeakMemory.watch(this.service.servicePid);
    const started = process.hrtime.bigint();
    const { rows, files } = await this.exportRoom(ROOM);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const peakMiB = peak.stop();
    if (rows !== ROWS) throw new Error(`the service exported ${rows} rows, not ${ROWS}`);
    if (!this.checked) await this.checkArchive();
    const run = { rows, rowsPerSecond: rows / (ms / 1000), peakMiB, beforeMiB };
    this.context.log(`export service: ${describeExport(run)}, ${files.length} files`);
    return run;
  }

  private async exportRoom(room: string): Promise<{ rows: number; files: unknown[] }> {
    const url = `${this.service.serviceUrl}/api/v1/export?room=${encodeURIComponent(room)}`;
    const response = await fetch(url);
    if (!response.ok)
      throw new Error(`export answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as { rows: number; files: unknown[] };
  }

  /** The reference, in a process of its own, into a directory of its own. */
  async withDuckDb(): Promise<ExportRun> {
    const outDir = join(this.context.workDir, 'duckdb-archive');
    await rm(outDir, { recursive: true, force: true });
    const output = await runNodeProgram(join(__dirname, '../reference/duckdb-export.js'), {
      VALKEY_URL: this.service.valkeyUrl,
      ROOM,
      OUT_DIR: outDir,
      BATCH_SIZE: String(BATCH_SIZE),
    });
    const result = JSON.parse(output) as DuckDbExportResult;
    if (result.rows !== ROWS) throw new Error(`DuckDB wrote ${result.rows} rows, not ${ROWS}`);
    const run = {
      rows: result.rows,
      rowsPerSecond: result.rows / (result.ms / 1000),
      peakMiB: result.peakRssMiB,
      beforeMiB: result.rssBeforeMiB,
    };
    this.context.log(`export DuckDB: ${describeExport(run)}, ${result.files} files`);
    return run;
  }

  /** Forgets the room's watermark and files, so the next export writes the whole room again. */
  private async resetArchive(): Promise<void> {
    const valkey = new Valkey(this.service.valkeyUrl);
    try {
      await valkey.del(roomKeys(ROOM).archive);
    } finally {
      valkey.disconnect();
    }
    await rm(join(this.serviceArchive, roomPrefix(ROOM)), { recursive: true, force: true });
  }

  /** Once: an independent reader finds every message exactly once in what the service wrote. */
  private async checkArchive(): Promise<void> {
    const instance = await DuckDBInstance.create(':memory:');
    const duck = await instance.connect();
    try {
      const glob = join(this.serviceArchive, roomPrefix(ROOM), '**', '*.parquet');
      const reader = await duck.runAndReadAll(
        `SELECT count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS ids FROM ` +
          `read_parquet('${glob}', hive_partitioning = false)`,
      );
      const { n, ids } = reader.getRowObjects()[0] as { n: number; ids: number };
      if (n !== ROWS || ids !== ROWS) {
        throw new Error(`DuckDB reads ${n} rows with ${ids} distinct ids in the service's archive`);
      }
      this.checked = true;
    } finally {
      duck.closeSync();
      instance.closeSync();
    }
  }
}

function figures(
  quiet: { service: ExportRun[]; bare: ExportRun[] },
  loaded: ExportRun[],
  reads: { idle: LoadResult[]; during: LoadResult[] },
) {
  const of = <T>(runs: T[], key: keyof T) => runs.map((run) => Number(run[key]));
  const before = (runs: ExportRun[]) => {
    const values = of(runs, 'beforeMiB').map(Math.round);
    const [low, high] = [Math.min(...values), Math.max(...values)];
    return low === high ? `${low} MiB` : `${low} to ${high} MiB`;
  };
  const failed = [...reads.idle, ...reads.during].reduce((sum, r) => sum + r.failed, 0);
  const loadedRate = Math.round(Math.min(...of(loaded, 'rowsPerSecond')));

  return [
    figure(
      {
        name: 'export: rows/s (1M messages)',
        unit: 'rows/s',
        reference: DUCKDB_REFERENCE,
        better: 'higher',
        note:
          `service exports ran with no other load; under the GET /messages load the slowest ` +
          `export ran at ${loadedRate} rows/s`,
      },
      of(quiet.service, 'rowsPerSecond'),
      of(quiet.bare, 'rowsPerSecond'),
    ),
    figure(
      {
        name: 'export: peak resident memory',
        unit: 'MiB',
        reference: DUCKDB_REFERENCE,
        better: 'lower',
        note:
          `whole processes: the service held ${before(quiet.service)} before an export ` +
          `(a warm-up export ran first), the DuckDB process ${before(quiet.bare)} before reading`,
      },
      of(quiet.service, 'peakMiB'),
      of(quiet.bare, 'peakMiB'),
    ),
    figure(
      {
        name: 'export: GET /messages p99 during an export',
        unit: 'ms',
        reference: IDLE_REFERENCE,
        better: 'lower',
        note: failed > 0 ? `${failed} reads failed` : undefined,
      },
      of(reads.during, 'p99Ms'),
      of(reads.idle, 'p99Ms'),
    ),
    figure(
      {
        name: 'export: GET /messages requests/s during an export',
        unit: 'req/s',
        reference: IDLE_REFERENCE,
        better: 'higher',
      },
      of(reads.during, 'perSecond'),
      of(reads.idle, 'perSecond'),
    ),
  ];
}

function describeExport(run: ExportRun): string {
  return (
    `${Math.round(run.rowsPerSecond)} rows/s, peak ${round(run.peakMiB, 0)} MiB ` +
    `(${round(run.beforeMiB, 0)} MiB before)`
  );
}
