import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadConfig } from '../../src/config/app-config';

const root = join(__dirname, '../..');
const example = readFileSync(join(root, '.env.example'), 'utf8');
const source = readFileSync(join(root, 'src/config/app-config.ts'), 'utf8');

describe('.env.example', () => {
  it('lists every variable the service reads', () => {
    const read = [...source.matchAll(/\(\s*'([A-Z0-9_]+)'/g)].map((match) => match[1]);
    expect(read.length).toBeGreaterThan(10);
    for (const name of read) expect(example).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });

  it('shows the defaults the service really uses', () => {
    const set = Object.fromEntries(
      example
        .split('\n')
        .filter((line) => /^[A-Z0-9_]+=/.test(line))
        .map((line) => line.split(/=(.*)/s).slice(0, 2)),
    );
    expect(loadConfig(set)).toEqual(loadConfig({}));
  });
});
