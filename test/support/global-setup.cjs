'use strict';
// Before the suite: the tests need a Valkey. Without VALKEY_URL they get a server of their own
// on a free loopback port (fresh every run, nothing kept), so they never meet anyone's data;
// with VALKEY_URL they use that server, isolated by unique room names and database indexes.
// With neither a binary nor VALKEY_URL, they fall back to 127.0.0.1:6379.
const { ensureValkey, startPrivateValkey } = require('../../scripts/local-valkey.cjs');

const log = (line) => process.stderr.write(`\n[test set-up] ${line}\n`);

module.exports = async function globalSetup() {
  process.env.TZ = 'UTC';
  if (!process.env.VALKEY_URL) {
    const privateServer = await startPrivateValkey();
    if (privateServer) {
      process.env.VALKEY_URL = privateServer.url;
      globalThis.__startedValkey = privateServer.started;
      log(`tests use a Valkey of their own at ${privateServer.url}`);
      return;
    }
  }

  process.env.VALKEY_URL ??= 'redis://127.0.0.1:6379';
  const { started } = await ensureValkey(process.env.VALKEY_URL, { log });
  globalThis.__startedValkey = started;
};
