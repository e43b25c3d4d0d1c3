import 'reflect-metadata';

import { Logger } from '@nestjs/common';

import { createApp } from './app.factory';
import { ConfigError, describeConfig } from './config/app-config';
import { loadConfigFromEnvironment } from './config/config.module';

async function bootstrap(): Promise<void> {
  const logger = new Logger('Bootstrap');
  const config = await loadConfigFromEnvironment();
  const app = await createApp(config);

  await app.startAllMicroservices();
  await app.listen(config.port, config.host);
  logger.log(`Configuration: ${JSON.stringify(describeConfig(config))}`);
  logger.log(`Listening on ${await app.getUrl()} (API under /api/v1, docs at /docs)`);
}

bootstrap().catch((error: unknown) => {
  const logger = new Logger('Bootstrap');
  if (error instanceof ConfigError) logger.error(error.message);
  else logger.error('Start-up failed', (error as Error)?.stack ?? String(error));
  process.exit(1);
});
