import helmet from '@fastify/helmet';
import { BadRequestException, RequestMethod, Type, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CustomStrategy } from '@nestjs/microservices';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { useContainer } from 'class-validator';

import { AppModule, AppOverrides } from './app.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { jsonShapeProblem } from './common/json-shape';
import { VALIDATION_OPTIONS } from './common/validation-options';
import { AppConfig, LOG_LEVELS, LogLevelName } from './config/app-config';
import { setUpApiDocs } from './docs/api-docs';
import { ChatEventServer } from './events/chat-event.server';
import { MessageTextLimit } from './messages/dto/message-text-limit';

export const API_PREFIX = 'api/v1';

/**
 * Builds the application with everything a request meets before a controller: the body limit,
 * security headers, CORS, validation, the error shape and the API docs. `main.ts` and the e2e
 * tests both start from here.
 */
export async function createApp(
  config: AppConfig,
  overrides: AppOverrides = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: config.bodyLimitBytes });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, overrides),
    adapter,
    { bufferLogs: true, abortOnError: false },
  );
  app.useLogger(logLevelsUpTo(config.logLevel));
  app.enableShutdownHooks();

  await app.register(helmet, {
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // TLS is terminated in front of the service, if at all: no HSTS, no forced upgrade.
    hsts: false,
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
  });
  if (config.corsOrigins.length > 0) {
    app.enableCors({ origin: config.corsOrigins.includes('*') ? true : [...config.corsOrigins] });
  }

  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'health', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
    ],
  });
  useValidatorConstraints(app, [MessageTextLimit]);
  app.useGlobalPipes(new ValidationPipe(VALIDATION_OPTIONS));
  app.useGlobalFilters(new AllExceptionsFilter());
  refuseUnboundedJson(app);
  setUpApiDocs(app);
  if (config.triggersEnabled) connectEvents(app);
  return app;
}

function logLevelsUpTo(level: LogLevelName): LogLevelName[] {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1);
}

/**
 * Makes the application hybrid: `@EventPattern` handlers receive events from Valkey Pub/Sub
 * through the Redis transport; `startAllMicroservices()` subscribes. It does not inherit the
 * HTTP pipes and filters: event handlers validate their payloads and catch their own failures.
 */
function connectEvents(app: NestFastifyApplication): void {
  app.connectMicroservice<CustomStrategy>({ strategy: app.get(ChatEventServer) });
}

/** Parsed JSON bodies whose shape would make validation expensive are refused with a 400. */
function refuseUnboundedJson(app: NestFastifyApplication): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('preValidation', async (request) => {
      const problem = jsonShapeProblem(request.body);
      if (problem) throw new BadRequestException(`${problem}; send a flat object`);
    });
}

/**
 * Lets class-validator use the application's instances of constraints that need injection (such
 * as the configured text limit); every other constraint it creates itself.
 */
function useValidatorConstraints(app: NestFastifyApplication, constraints: Type[]): void {
  const instances = new Map<unknown, unknown>(constraints.map((type) => [type, app.get(type)]));
  useContainer({ get: (type: unknown) => instances.get(type) }, { fallback: true });
}
