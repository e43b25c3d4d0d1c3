import { loadConfig } from '../config/app-config';
import { sweepInterval } from './archive-sweep.service';

describe(sweepInterval.name, () => {
  it('is SWEEP_INTERVAL_MS when set', () => {
    expect(sweepInterval(loadConfig({ SWEEP_INTERVAL_MS: '1234' }))).toBe(1234);
  });

  it.each([
    ['300000', 60_000],
    ['2000', 500],
    ['100', 250],
    ['86400000', 60_000],
  ])('is a quarter of EXPORT_MAX_LAG_MS=%s, within bounds, when 0', (lag, expected) => {
    expect(sweepInterval(loadConfig({ EXPORT_MAX_LAG_MS: lag }))).toBe(expected);
  });
});
