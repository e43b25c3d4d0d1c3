'use strict';

module.exports = async function globalTeardown() {
  globalThis.__startedValkey?.kill();
};
