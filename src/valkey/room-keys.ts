/**
 * Valkey key names. Every key of one room carries the room in one hash tag, so that a Valkey
 * Cluster keeps a room's keys in one slot and multi-key commands on a room stay legal.
 */
export const ROOMS_KEY = 'chat:rooms';

export interface RoomKeys {
  /** Stream of the room's messages; entry ids are the message ids. */
  readonly messages: string;
  /** Hash of archive state: watermark and the range of an export in progress. */
  readonly archive: string;
  /** Export lock, a string with a time to live. */
  readonly exportLock: string;
  /** Id of the message at which the export threshold last fired. */
  readonly thresholdMark: string;
}

export function roomKeys(room: string): RoomKeys {
  const tag = `{${room}}`;
  return {
    messages: `chat:${tag}:messages`,
    archive: `chat:${tag}:archive`,
    exportLock: `chat:${tag}:export-lock`,
    thresholdMark: `chat:${tag}:threshold-mark`,
  };
}
