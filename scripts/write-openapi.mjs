// Writes the OpenAPI document of the built service to docs/openapi.json. A test compares the
// live document with this file, so a change to the API shows up in review.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { createApp } = require('../dist/app.factory.js');
const { loadConfig } = require('../dist/config/app-config.js');
const { buildApiDocument } = require('../dist/docs/api-docs.js');

const app = await createApp(loadConfig({ ...process.env, TRIGGERS_ENABLED: 'false' }));
await app.init();
const document = buildApiDocument(app);
writeFileSync('docs/openapi.json', `${JSON.stringify(document, null, 2)}\n`);
await app.close();
process.stderr.write('wrote docs/openapi.json\n');
