/** One archive file an export wrote. */
export interface ExportedFile {
  readonly key: string;
  readonly rows: number;
  readonly bytes: number;
}

/** What one export of a room did. `skipped: 'locked'`: another export held the room's lock. */
export interface ExportResult {
  room: string;
  files: ExportedFile[];
  rows: number;
  bytes: number;
  durationMs: number;
  skipped?: 'locked';
}

/** Why an export failed, as the worker reports it to the service. */
export type ExportFailureKind = 'store' | 'valkey' | 'lock-lost' | 'internal';
