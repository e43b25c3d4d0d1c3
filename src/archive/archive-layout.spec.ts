import { join, relative, resolve, sep } from 'node:path';

import { archiveFileKey, encodeRoomSegment, parseArchiveFileKey } from './archive-layout';
import { LocalObjectStore } from './local-object-store';

const ROOT = resolve('/srv/archive');

const HOSTILE_ROOMS = [
  '../../etc',
  '..',
  '.',
  '...',
  'a/b',
  'a\\b',
  '%2e%2e',
  '%2F',
  '..%2f..%2fetc',
  'room=x/date=2024-01-01',
  '\u0000nul',
  ' spaced ',
  '#ubuntu',
  'ünïcødé-房间',
];

function fileKey(room: string): string {
  return archiveFileKey({ room, date: '2024-12-03', firstId: '1-0', lastId: '2-0' });
}

describe('archive layout', () => {
  describe(encodeRoomSegment.name, () => {
    it.each(HOSTILE_ROOMS)('makes %j one safe path and S3 key segment', (room) => {
      const segment = encodeRoomSegment(room);

      expect(segment).toMatch(/^[A-Za-z0-9._%-]+$/);
      expect(segment).not.toMatch(/^\.+$/);
      expect(decodeURIComponent(segment)).toBe(room);
    });
  });

  describe(archiveFileKey.name, () => {
    it.each(HOSTILE_ROOMS)('keeps the file of room %j inside the archive root', (room) => {
      const key = fileKey(room);
      const path = resolve(ROOT, key);

      expect(key.split('/')).toHaveLength(3);
      expect(relative(ROOT, path).split(sep)[0]).toBe(`room=${encodeRoomSegment(room)}`);
      expect(path.startsWith(ROOT + sep)).toBe(true);
      expect(parseArchiveFileKey(key)?.room).toBe(room);
    });

    it('refuses ids that are not message ids', () => {
      expect(() =>
        archiveFileKey({ room: 'a', date: '2024-12-03', firstId: '../x', lastId: '2-0' }),
      ).toThrow(/not message ids/);
    });
  });

  describe(LocalObjectStore.name, () => {
    const store = new LocalObjectStore(ROOT);

    it.each(['../etc/passwd', '../../x.parquet', 'a/../../b', '/etc/passwd', ''])(
      'refuses the key %j, which would leave the root',
      (key) => {
        expect(() => store.pathOf(key)).toThrow(/outside the archive root/);
      },
    );

    it('places a room that tries to climb out inside its own partition', () => {
      expect(store.pathOf(fileKey('../../etc'))).toBe(
        join(ROOT, 'room=..%2F..%2Fetc', 'date=2024-12-03', '1-0_2-0.parquet'),
      );
    });
  });
});
