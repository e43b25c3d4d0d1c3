import { ExportFailureKind, ExportResult } from './export-result';

/** Messages between the service and its export worker thread. */
export interface ExportJob {
  readonly id: number;
  readonly room: string;
  readonly lockWaitMs: number;
}

export type ExportOutcome =
  | { readonly id: number; readonly ok: true; readonly result: ExportResult }
  | {
      readonly id: number;
      readonly ok: false;
      readonly kind: ExportFailureKind;
      readonly message: string;
    };
