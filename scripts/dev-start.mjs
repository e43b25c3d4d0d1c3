// Starts the service for development: builds it, makes sure a Valkey answers (launching a local
// one when none does and one is installed), then runs the built service until interrupted.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { ensureValkey } = require('./local-valkey.cjs');

const valkeyUrl =
  process.env.VALKEY_URL ??
  `redis://${process.env.VALKEY_HOST ?? '127.0.0.1'}:${process.env.VALKEY_PORT ?? 6379}`;

const say = (line) => process.stderr.write(`[dev-start] ${line}\n`);

const build = spawnSync(
  process.execPath,
  ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'],
  {
    stdio: 'inherit',
  },
);
if (build.status !== 0) process.exit(build.status ?? 1);

let valkey;
try {
  valkey = await ensureValkey(valkeyUrl, { log: say, dataDir: 'data/valkey' });
} catch (error) {
  say(error.message);
  process.exit(1);
}

const service = spawn(process.execPath, ['dist/main.js'], { stdio: 'inherit' });
const stop = (signal) => service.kill(signal);
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
service.on('exit', (code) => {
  valkey.started?.kill();
  process.exit(code ?? 0);
});
