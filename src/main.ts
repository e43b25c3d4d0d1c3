import 'reflect-metadata';

import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';

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
  logger.log(
    `Listening on http://${config.host}:${listeningPort(app)} (API under /api/v1, docs at /docs)`,
  );
}

/** The port actually bound (PORT=0 picks a free one). */
function listeningPort(app: NestFastifyApplication): number {
  const address = app.getHttpServer().address();
  return typeof address === 'object' && address ? address.port : 0;
}

bootstrap().catch((error: unknown) => {
  const logger = new Logger('Bootstrap');
  if (error instanceof ConfigError) logger.error(error.message);
  else logger.error('Start-up failed', (error as Error)?.stack ?? String(error));
  process.exit(1);
});
