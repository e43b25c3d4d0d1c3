import { importTimestamp } from './import-line.dto';

describe(importTimestamp.name, () => {
  it.each([
    ['2018-05-31T01:05:27Z', 1_527_728_727_000],
    ['2018-05-31T01:05:27.123Z', 1_527_728_727_123],
    ['2018-05-31T03:05:27+02:00', 1_527_728_727_000],
    ['2018-05-30T20:05:27-0500', 1_527_728_727_000],
    ['2018-05-31T01:05Z', 1_527_728_700_000],
    [1_527_728_727_000, 1_527_728_727_000],
    [0, 0],
  ])('reads %p', (ts, ms) => {
    expect(importTimestamp(ts)).toBe(ms);
  });

  it.each([
    ['no zone', '2018-05-31T01:05:27'],
    ['a date only', '2018-05-31'],
    ['a day that does not exist', '2018-02-30T00:00:00Z'],
    ['an hour that does not exist', '2018-05-31T25:00:00Z'],
    ['before 1970', '1969-12-31T23:59:59Z'],
    ['negative milliseconds', -1],
    ['a fraction of a millisecond', 1.5],
    ['a numeric string', '1527728727000'],
    ['null', null],
  ])('refuses %s', (_case, ts) => {
    expect(importTimestamp(ts)).toBeUndefined();
  });
});
