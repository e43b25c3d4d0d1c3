'use strict';
// Before the suite: a Valkey must answer at VALKEY_URL (default 127.0.0.1:6379); one is started
// on loopback when none does and a server binary is installed.
const { ensureValkey } = require('../../scripts/local-valkey.cjs');

module.exports = async function globalSetup() {
  process.env.VALKEY_URL ??= 'redis://127.0.0.1:6379';
  process.env.TZ = 'UTC';
  const { started } = await ensureValkey(process.env.VALKEY_URL, {
    log: (line) => process.stderr.write(`\n[test set-up] ${line}\n`),
  });
  globalThis.__startedValkey = started;
};
