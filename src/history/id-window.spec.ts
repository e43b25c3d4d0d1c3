import { compareMessageIds } from '../common/message-id';
import {
  compareKeys,
  idSortKey,
  isEmptyWindow,
  maxLower,
  minUpper,
  streamRange,
  windowContains,
} from './id-window';

describe('id-window', () => {
  describe(idSortKey.name, () => {
    it('orders keys exactly as compareMessageIds orders ids', () => {
      const ids = ['9-0', '10-0', '10-2', '10-10', '1733230000000-0', '1733230000000-11', '0-0'];

      const byKey = [...ids].sort((a, b) => compareKeys(idSortKey(a), idSortKey(b)));

      expect(byKey).toEqual([...ids].sort(compareMessageIds));
    });
  });

  describe('bounds', () => {
    it('keeps the tighter bound, exclusive over inclusive on the same id', () => {
      expect(maxLower({ id: '5-0', inclusive: true }, { id: '5-0', inclusive: false })).toEqual({
        id: '5-0',
        inclusive: false,
      });
      expect(minUpper({ id: '5-0', inclusive: true }, { id: '4-9', inclusive: true })).toEqual({
        id: '4-9',
        inclusive: true,
      });
      expect(minUpper(undefined, { id: '4-9', inclusive: true })?.id).toBe('4-9');
    });

    it('knows an empty window', () => {
      const at = (inclusive: boolean) => ({ id: '5-0', inclusive });
      expect(isEmptyWindow({ lower: at(true), upper: at(true) })).toBe(false);
      expect(isEmptyWindow({ lower: at(true), upper: at(false) })).toBe(true);
      expect(isEmptyWindow({ lower: { id: '6-0', inclusive: true }, upper: at(true) })).toBe(true);
      expect(isEmptyWindow({ upper: at(false) })).toBe(false);
      expect(isEmptyWindow({ upper: { id: '0-0', inclusive: false } })).toBe(true);
      const last = '999999999999999-18446744073709551615';
      expect(isEmptyWindow({ lower: { id: last, inclusive: false } })).toBe(true);
    });

    it('tests membership and writes stream ranges with the same ends', () => {
      const window = {
        lower: { id: '5-0', inclusive: false },
        upper: { id: '7-1', inclusive: true },
      };

      expect(
        ['5-0', '5-1', '7-1', '7-2'].map((id) => windowContains(window, idSortKey(id))),
      ).toEqual([false, true, true, false]);
      expect(streamRange(window)).toEqual({ start: '(5-0', end: '7-1' });
      expect(streamRange({})).toEqual({ start: '-', end: '+' });
    });
  });
});
