import { readFileSync } from 'node:fs';

import { Valkey } from 'iovalkey';

import { roomKeys } from '../../src/valkey/room-keys';

export interface InputLine {
  room: string;
  user: string;
  text: string;
  ts?: string;
}

/** The lines of an NDJSON file, parsed, as the import reads them. */
export function readInputLines(path: string): InputLine[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as InputLine);
}

export interface StoredEntry {
  id: string;
  user: string;
  text: string;
}

/** Every entry of a room's stream, oldest first, read straight from Valkey in pages. */
export async function readRoomStream(client: Valkey, room: string): Promise<StoredEntry[]> {
  const key = roomKeys(room).messages;
  const entries: StoredEntry[] = [];
  let start = '-';
  for (;;) {
    const page = (await client.xrange(key, start, '+', 'COUNT', 10_000)) as [string, string[]][];
    for (const [id, fields] of page) {
      const field = (name: string) => fields[fields.indexOf(name) + 1];
      entries.push({ id, user: field('u'), text: field('t') });
    }
    if (page.length < 10_000) return entries;
    start = `(${page.at(-1)![0]}`;
  }
}

/** The millisecond part of a message id. */
export function idMs(id: string): number {
  return Number(id.split('-')[0]);
}
